"""`inferfleet graph`: a picture of a stack's topology (Mermaid, SVG or PNG), coloured by a diff."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.errors import UsageError
from inferfleet.review.graph import picture, render_dot, to_dot, to_mermaid
from inferfleet.review.topology import compare, merged, topology


class GraphFormat(StrEnum):
    MERMAID = "mermaid"
    DOT = "dot"
    SVG = "svg"
    PNG = "png"


def _plan(stack: str | None, plan_file: str | None, stacks_dir: Path) -> Mapping[str, Any]:
    if (stack is None) == (plan_file is None):
        raise UsageError("give exactly one of --stack/-s NAME or --plan FILE")
    if plan_file is not None:
        from inferfleet.gate import DEFAULT_MAX_PLAN_BYTES, load_plan

        return load_plan(plan_file, max_bytes=DEFAULT_MAX_PLAN_BYTES, stacks_dir=stacks_dir, stdin=sys.stdin)
    from inferfleet.plan import Planner

    assert stack is not None
    return Planner(stacks_dir).plan(stack)


def graph_bytes(head: Mapping[str, Any], base: Mapping[str, Any] | None, output_format: GraphFormat) -> bytes:
    """The picture of `head` (with `base`: what changed coloured) in the given format."""
    head_view = topology(head)
    base_view = topology(base) if base is not None else None
    statuses = compare(base_view, head_view) if base_view is not None else None
    drawing = picture(merged(base_view, head_view), statuses)
    if output_format is GraphFormat.MERMAID:
        return to_mermaid(drawing).encode("utf-8")
    source = to_dot(drawing)
    if output_format is GraphFormat.DOT:
        return source.encode("utf-8")
    return render_dot(source, output_format.value)


@app.command("graph")
def graph_command(  # noqa: PLR0917 (typer maps each parameter to a flag)
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the picture here.")],
    stack: Annotated[str | None, typer.Option("--stack", "-s", help="Plan this stack offline and draw it.")] = None,
    plan_file: Annotated[
        str | None, typer.Option("--plan", help="Draw this plan document (or `pulumi preview --json`).")
    ] = None,
    base_plan: Annotated[
        str | None, typer.Option("--base-plan", help="Colour what changed since this plan (added, removed, changed).")
    ] = None,
    output_format: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="mermaid (for Markdown), dot, svg or png (Graphviz).")
    ] = GraphFormat.MERMAID,
    stacks_dir: Annotated[Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.")] = Path(
        "stacks"
    ),
) -> int:
    """Draw region, VPC and subnets, links with bandwidth, GPU pools and services of a stack."""
    head = _plan(stack, plan_file, stacks_dir)
    base = _plan(None, base_plan, stacks_dir) if base_plan is not None else None
    if base is not None and base.get("stack") != head.get("stack"):
        raise UsageError(f"--base-plan is a plan of stack {base.get('stack')!r}, not {head.get('stack')!r}")
    console.write_atomically(out, graph_bytes(head, base, output_format))
    console.err.print(f"{output_format.value} picture written to {console.markup(out)}")
    return 0
