"""`inferfleet gate`: decide a plan with the real OPA.

Exit 0 pass, 1 mandatory violation, 2 input error, 3 engine error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Annotated, get_args

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.errors import UsageError
from inferfleet.gate import (
    DEFAULT_MAX_PLAN_BYTES,
    DEFAULT_POLICIES,
    OpaEngine,
    OpaEvalEngine,
    decide,
    load_catalog,
    load_plan,
    load_waivers,
)
from inferfleet.gate.policy_data import check_policy_data
from inferfleet.gate.report import console_report, json_report, junit_report, sarif_report
from inferfleet.jsontext import dumps
from inferfleet.plan import Plan, check_plan
from inferfleet.plan.collector import collector_paused
from inferfleet.spec.settings import Cloud, Env

MAX_PLAN_BYTES_LIMIT = 1 << 40
"""The largest --max-plan-bytes: a tebibyte, more than a plan read into memory can be (and an int the OS reads)."""
MAX_TIMEOUT_S = 86_400.0
"""A day: the longest wait for OPA's answer that a clock and a socket can both express (inf cannot)."""


@app.command("gate")
@collector_paused()  # a plan, its policy input and the reports are trees: nothing to collect
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
        int,
        typer.Option(
            "--max-plan-bytes", min=1, max=MAX_PLAN_BYTES_LIMIT, help="Refuse plans larger than this many bytes."
        ),
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
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, max=MAX_TIMEOUT_S, help="Seconds to wait for OPA's decision.")
    ] = 30.0,
    env: Annotated[
        str | None,
        typer.Option(
            "--env", help="Env of a preview that carries no fleet config (prod, staging, dev).", show_default=False
        ),
    ] = None,
    cloud: Annotated[
        str | None,
        typer.Option(
            "--cloud", help="Cloud of such a preview (huaweicloud, alicloud, tencentcloud, aws).", show_default=False
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Region of such a preview.", show_default=False)
    ] = None,
) -> int:
    """Gate a plan with the OPA policies: violations by severity, with the resource, rule and remediation.

    Any Pulumi project's `pulumi preview --json` can be gated: give --env, --cloud and --region when the
    preview carries no inference-fleet:fleet config. They never override settings a plan or preview
    carries: if both exist and disagree, the gate stops (exit 2)."""
    if (plan is None) == (stack is None):
        raise UsageError("give exactly one of a plan file (or - for stdin) and --stack/-s NAME")
    fleet = given_settings(env=env, cloud=cloud, region=region)
    if fleet and stack is not None:
        raise UsageError("--env, --cloud and --region describe a plan file or preview; --stack plans a stack file")
    # OPA starts first and compiles the policies while the plan is read and checked here (about
    # 0.15 s of wall time saved on each run); every error below stops it again on the way out.
    engine: OpaEngine | OpaEvalEngine = (
        OpaEngine(opa_url, timeout=timeout)
        if opa_url
        else OpaEvalEngine.start(policies, binary=opa_bin, timeout=timeout)
    )
    with engine:
        catalog = load_catalog(policies)
        check_policy_data(policies)
        known_ids = [rule.policy_id for policy in catalog for rule in policy.rules]
        today = dt.datetime.now(dt.UTC).date()
        waiver_list = load_waivers(waivers, known_ids, today=today) if waivers is not None else []
        document = _head_plan(plan, stack, stacks_dir=stacks_dir, max_plan_bytes=max_plan_bytes, fleet=fleet)
        if base is not None:
            from inferfleet.diff.run import with_base_release

            base_plan = load_plan(base, max_bytes=max_plan_bytes, stacks_dir=stacks_dir, fleet=fleet)
            document = with_base_release(document, base_plan, base)
        result = decide(document, engine, catalog, waivers=waiver_list, today=today)
    # The verdict is shown first: a report that cannot be written (exit 2) never hides it.
    if as_json:
        console.emit(dumps(json_report(result)))
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


def _head_plan(
    plan: str | None, stack: str | None, *, stacks_dir: Path, max_plan_bytes: int, fleet: dict[str, str]
) -> Plan:
    if stack is not None:
        from inferfleet.plan import Planner

        return check_plan(Planner(stacks_dir).plan(stack), f"plan of {stack}")
    assert plan is not None
    return load_plan(plan, max_bytes=max_plan_bytes, stacks_dir=stacks_dir, fleet=fleet or None)


_SETTING = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def given_settings(*, env: str | None, cloud: str | None, region: str | None) -> dict[str, str]:
    """The fleet settings given as flags (only those given), each checked: env and cloud from their
    lists, a region as a lower-case cloud region code."""
    given = {key: value for key, value in (("env", env), ("cloud", cloud), ("region", region)) if value is not None}
    allowed = {"env": get_args(Env), "cloud": get_args(Cloud)}
    for key, value in given.items():
        if key in allowed and value not in allowed[key]:
            raise UsageError(f"--{key} {value[:64]!r}: expected one of {', '.join(allowed[key])}")
        if not _SETTING.fullmatch(value):
            raise UsageError(f"--{key} {value[:64]!r}: expected a region code such as us-west-2 or cn-south-1")
    return given
