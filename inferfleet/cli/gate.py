"""`inferfleet gate`: decide a plan with the real OPA.

Exit 0 pass, 1 mandatory violation, 2 input error, 3 engine error.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Annotated

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.errors import UsageError
from inferfleet.gate import (
    DEFAULT_MAX_PLAN_BYTES,
    DEFAULT_POLICIES,
    OpaEngine,
    decide,
    load_catalog,
    load_plan,
    load_waivers,
)
from inferfleet.gate.policy_data import check_policy_data
from inferfleet.gate.report import console_report, dumps, json_report, junit_report, sarif_report
from inferfleet.plan import Plan, check_plan


@app.command("gate")
def gate_command(  # noqa: PLR0917 (typer maps each parameter to a flag)
    plan: Annotated[
        str | None,
        typer.Argument(help="Plan document, or `pulumi preview --json` output; - reads stdin.", show_default=False),
    ] = None,
    stack: Annotated[str | None, typer.Option("--stack", "-s", help="Plan this stack offline, then gate it.")] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Plan of the base branch: its inputs are the resources' old inputs.")
    ] = None,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="Waivers file (YAML or JSON).")] = None,
    opa_url: Annotated[
        str | None,
        typer.Option("--opa-url", help="Use this OPA server instead of starting one, e.g. http://127.0.0.1:8181."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
    sarif: Annotated[Path | None, typer.Option("--sarif", help="Write a SARIF 2.1.0 report here.")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report here.")] = None,
    max_plan_bytes: Annotated[
        int, typer.Option("--max-plan-bytes", min=1, help="Refuse plans larger than this many bytes.")
    ] = DEFAULT_MAX_PLAN_BYTES,
    policies: Annotated[
        Path, typer.Option("--policies", help="Folder of OPA policies and their data.")
    ] = DEFAULT_POLICIES,
    stacks_dir: Annotated[Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.")] = Path(
        "stacks"
    ),
    opa_bin: Annotated[
        str | None,
        typer.Option("--opa-bin", help="OPA binary (default: $INFERFLEET_OPA, then .tools/bin/opa, then PATH)."),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for OPA's decision.")] = 30.0,
) -> int:
    """Gate a plan with the OPA policies: violations by severity, with the resource, rule and remediation."""
    if (plan is None) == (stack is None):
        raise UsageError("give exactly one of a plan file (or - for stdin) and --stack/-s NAME")
    catalog = load_catalog(policies)
    check_policy_data(policies)
    known_ids = [rule.policy_id for policy in catalog for rule in policy.rules]
    waiver_list = load_waivers(waivers, known_ids) if waivers is not None else []
    document = _head_plan(plan, stack, stacks_dir=stacks_dir, max_plan_bytes=max_plan_bytes)
    if base is not None:
        from inferfleet.diff.run import with_base_release

        base_plan = load_plan(base, max_bytes=max_plan_bytes, stacks_dir=stacks_dir)
        document = with_base_release(document, base_plan, base)
    engine = (
        OpaEngine(opa_url, timeout=timeout) if opa_url else OpaEngine.start(policies, binary=opa_bin, timeout=timeout)
    )
    with engine:
        result = decide(document, engine, catalog, waivers=waiver_list)
    # The verdict is shown first: a report that cannot be written (exit 2) never hides it.
    if as_json:
        console.out.print(dumps(json_report(result)), end="", markup=False, highlight=False)
    console_report(result, console.err)
    reports: list[tuple[Path, Callable[[], str]]] = []
    if sarif is not None:
        artifact = _sarif_artifact(stacks_dir, result.stack, plan)
        tool_version = installed_version("inferfleet")
        reports.append((sarif, lambda: dumps(sarif_report(result, artifact=artifact, tool_version=tool_version))))
    if junit is not None:
        reports.append((junit, lambda: junit_report(result)))
    for path, render in reports:
        console.write_atomically(path, render())
    return int(result.exit_code)


def _sarif_artifact(stacks_dir: Path, stack: str, plan: str | None) -> str:
    """The file SARIF results point at: the stack file when it is here, else the plan."""
    stack_file = stacks_dir / f"Pulumi.{stack}.yaml"
    try:
        found = stack_file.is_file()
    except (OSError, ValueError):  # a plan's stack name is not trusted to be a usable file name
        found = False
    return str(stack_file) if found or plan is None else plan


def _head_plan(plan: str | None, stack: str | None, *, stacks_dir: Path, max_plan_bytes: int) -> Plan:
    if stack is not None:
        from inferfleet.plan import Planner

        return check_plan(Planner(stacks_dir).plan(stack), f"plan of {stack}")
    assert plan is not None
    return load_plan(plan, max_bytes=max_plan_bytes, stacks_dir=stacks_dir)
