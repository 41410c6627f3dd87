"""`inferfleet diff`: what a change does to each stack, down to the property, and the semver bump it implies.

Exit 0 (the diff), 1 when the gate denies a head plan, 2 input error, 3 engine error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.diff.model import Verdict
from inferfleet.diff.report import console_report, dumps
from inferfleet.diff.run import DiffRequest, GateFunction, compute_diff
from inferfleet.gate.engine import DEFAULT_POLICIES
from inferfleet.plan.model import Plan


@contextmanager
def policy_gate(policies: Path, *, opa_url: str | None, opa_bin: str | None) -> Iterator[GateFunction]:
    """A function deciding head plans with the real OPA (started once, on first use)."""
    from inferfleet.gate import OpaEngine, decide, load_catalog
    from inferfleet.gate.policy_data import check_policy_data

    catalog = load_catalog(policies)
    check_policy_data(policies)
    engines: list[OpaEngine] = []

    def gate(plan: Plan) -> Verdict:
        if not engines:
            engines.append(OpaEngine(opa_url) if opa_url else OpaEngine.start(policies, binary=opa_bin))
        result = decide(plan, engines[0], catalog)
        return {
            "passed": result.passed,
            "mandatory": sorted({v["policy_id"] for v in result.mandatory}),
            "advisory": sorted({v["policy_id"] for v in result.advisory}),
        }

    try:
        yield gate
    finally:
        for engine in engines:
            engine.close()


@app.command("diff")
def diff_command(  # noqa: PLR0917 (typer maps each parameter to a flag)
    stack: Annotated[str | None, typer.Option("--stack", "-s", help="Compare this stack.")] = None,
    all_stacks: Annotated[bool, typer.Option("--all", help="Compare every stack (with --base REF).")] = False,
    changed: Annotated[
        bool, typer.Option("--changed", help="Compare the stacks the git diff BASE..HEAD touches (with --base REF).")
    ] = False,
    base: Annotated[
        str | None, typer.Option("--base", help="Git ref of the base, planned from a worktree with its own code.")
    ] = None,
    base_plan: Annotated[
        str | None, typer.Option("--base-plan", help="Base plan file (or `pulumi preview --json` output).")
    ] = None,
    head_plan: Annotated[
        str | None,
        typer.Option("--head-plan", help="Head plan file or preview (default: plan the working tree)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the inferfleet.diff/v1 document on stdout.")] = False,
    gate: Annotated[
        bool, typer.Option("--gate/--no-gate", help="Gate each head plan against its base with the OPA policies.")
    ] = True,
    opa_url: Annotated[
        str | None, typer.Option("--opa-url", help="Use this OPA server instead of starting one.")
    ] = None,
    opa_bin: Annotated[str | None, typer.Option("--opa-bin", help="OPA binary (default: as for `gate`).")] = None,
    policies: Annotated[
        Path, typer.Option("--policies", help="Folder of OPA policies and their data.")
    ] = DEFAULT_POLICIES,
    stacks_dir: Annotated[Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.")] = Path(
        "stacks"
    ),
) -> int:
    """Compare each stack's base and head plans: creates, updates, replacements, deletions and the semver bump."""
    request = DiffRequest(
        stacks_dir=stacks_dir,
        stack=stack,
        all_stacks=all_stacks,
        changed=changed,
        base_ref=base,
        base_plan=base_plan,
        head_plan=head_plan,
    )
    request.check()
    if gate:
        with policy_gate(policies, opa_url=opa_url, opa_bin=opa_bin) as decide_head:
            document = compute_diff(request, gate=decide_head)
    else:
        document = compute_diff(request)
    if as_json:
        console.out.print(dumps(document), end="", markup=False, highlight=False)
    console_report(document, console.err)
    denied = any(s["verdict"] is not None and not s["verdict"]["passed"] for s in document["stacks"])
    return 1 if denied else 0
