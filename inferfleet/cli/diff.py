"""`inferfleet diff`: what a change does to each stack, down to the property, and the semver bump it implies.

Exit 0 (the diff), 1 when the gate denies a head plan, 2 input error, 3 engine error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.diff.model import Verdict
from inferfleet.diff.report import console_report
from inferfleet.diff.run import DiffRequest, GateFunction, compute_diff
from inferfleet.errors import UsageError
from inferfleet.gate.engine import DEFAULT_POLICIES
from inferfleet.jsontext import dumps
from inferfleet.plan.model import Plan

if TYPE_CHECKING:
    from inferfleet.gate.decide import GateResult
    from inferfleet.review.build import ReviewCollector


class Platform(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


@contextmanager
def policy_gate(
    policies: Path, *, opa_url: str | None, opa_bin: str | None, results: dict[str, GateResult] | None = None
) -> Iterator[GateFunction]:
    """A function deciding head plans with the real OPA (started once, on first use).

    `results`, when given, receives each stack's full gate result (for the comment and SARIF).
    """
    from inferfleet.gate import OpaEngine, OpaEvalEngine, decide, load_catalog
    from inferfleet.gate.policy_data import check_policy_data

    catalog = load_catalog(policies)
    check_policy_data(policies)
    engines: list[OpaEngine | OpaEvalEngine] = []

    def gate(plan: Plan) -> Verdict:
        if not engines:
            engines.append(OpaEngine(opa_url) if opa_url else OpaEvalEngine.start(policies, binary=opa_bin))
        result = decide(plan, engines[0], catalog)
        if results is not None:
            results[plan["stack"]] = result
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
    markdown: Annotated[
        Path | None,
        typer.Option("--markdown", help="Write the pull-request review comment (diff, verdicts, cost, picture) here."),
    ] = None,
    platform: Annotated[
        Platform, typer.Option("--platform", help="Fit the comment to this platform's size limit.")
    ] = Platform.GITHUB,
    prices: Annotated[
        Path | None, typer.Option("--prices", help="Price table for the cost delta (default: the one shipped).")
    ] = None,
    sarif_dir: Annotated[
        Path | None, typer.Option("--sarif-dir", help="Write each gated stack's SARIF report here (<stack>.sarif).")
    ] = None,
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
    if sarif_dir is not None and not gate:
        raise UsageError("--sarif-dir needs the gate (drop --no-gate)")
    collector = _review_collector(prices) if markdown is not None else None
    results: dict[str, GateResult] = {}
    if gate:
        with policy_gate(policies, opa_url=opa_url, opa_bin=opa_bin, results=results) as decide_head:
            document = compute_diff(request, gate=decide_head, observe=collector)
    else:
        document = compute_diff(request, observe=collector)
    if as_json:
        console.emit(dumps(document))
    if collector is not None and markdown is not None:
        from inferfleet.review.comment import pack
        from inferfleet.review.sticky import LIMITS

        head_commit = _head_commit(stacks_dir)
        console.write_atomically(markdown, pack(collector.review(head_commit, results), LIMITS[platform.value]))
    if sarif_dir is not None:
        _write_sarif(sarif_dir, results, stacks_dir)
    console_report(document, console.err)
    denied = any(s["verdict"] is not None and not s["verdict"]["passed"] for s in document["stacks"])
    return 1 if denied else 0


def _review_collector(prices: Path | None) -> ReviewCollector:
    import datetime as dt

    from inferfleet.review.build import ReviewCollector
    from inferfleet.review.prices import PRICES_FILE, load_prices

    return ReviewCollector(prices=load_prices(prices or PRICES_FILE), today=dt.date.today())


def _head_commit(stacks_dir: Path) -> str:
    from inferfleet.gitrepo import Repository

    return Repository.containing(stacks_dir.resolve() if stacks_dir.exists() else Path.cwd()).commit("HEAD")


def _write_sarif(folder: Path, results: dict[str, GateResult], stacks_dir: Path) -> None:
    from importlib.metadata import version

    from inferfleet.gate.report import sarif_report

    for stack, result in sorted(results.items()):
        artifact = str(stacks_dir / f"Pulumi.{stack}.yaml")
        report = sarif_report(result, artifact=artifact, tool_version=version("inferfleet"))
        console.write_atomically(folder / f"{stack}.sarif", dumps(report))
