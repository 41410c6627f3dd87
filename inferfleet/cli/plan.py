"""`inferfleet plan`: the real program under Pulumi's mock runtime, written as a plan document."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.errors import UsageError
from inferfleet.plan import Plan, Planner, PlanResource, dumps
from inferfleet.spec.load import list_stacks

StacksDir = Annotated[
    Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.", show_default=True)
]


@app.command("plan")
def plan_command(
    stack: Annotated[str | None, typer.Option("--stack", "-s", help="Stack to plan, e.g. prod-cn-south.")] = None,
    all_stacks: Annotated[bool, typer.Option("--all", help="Plan every stack in the stacks folder.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the plan document here (with --all: a folder of <stack>.plan.json)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan document on stdout.")] = False,
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """Plan a stack offline and show what it would create."""
    if (stack is None) == (not all_stacks):
        raise UsageError("give exactly one of --stack/-s NAME or --all")
    planner = Planner(stacks_dir)
    if stack is not None:
        document = planner.plan(stack)
        warn_deprecations(document)
        if out is not None:
            console.write_atomically(out, dumps(document))
        if as_json:
            console.emit(dumps(document))
        else:
            show_plan(document)
            if out is not None:
                console.err.print(f"plan written to [bold]{console.markup(out)}[/]")
        return 0
    names = list_stacks(stacks_dir)
    if not names:
        raise UsageError(f"no Pulumi.<stack>.yaml files in {stacks_dir}")
    documents = plan_all(planner, names, show_progress=not as_json)
    for document in documents.values():
        warn_deprecations(document)
    if out is not None:  # all or none: a path that cannot be written leaves no partial set of plans
        console.write_all_atomically(
            {out / f"{name}.plan.json": dumps(document) for name, document in documents.items()}
        )
    if as_json:
        console.emit(dumps(documents))
    else:
        show_summary(documents)
    return 0


def plan_all(planner: Planner, names: list[str], *, show_progress: bool) -> dict[str, Plan]:
    """Plan every stack (linked stacks are planned once, when first needed)."""
    # Only `--all` shows progress: importing rich's progress bar costs `plan -s` about 0.05 s.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    documents: dict[str, Plan] = {}
    with Progress(
        TextColumn("planning [bold]{task.fields[stack]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console.err,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("plan", total=len(names), stack="")
        for name in names:
            progress.update(task, stack=name)
            documents[name] = planner.plan(name)
            progress.advance(task)
    return documents


MAX_SIBLINGS_SHOWN = 8
SIBLINGS_SAMPLE = 3


def show_plan(document: Plan) -> None:
    """The resource tree (ownership as Pulumi shows it) and the count of each type."""
    resources = document["resources"]
    text = console.markup
    title = (
        f"[bold]{text(document['stack'])}[/] v{text(document['stack_version'])} "
        f"({text(document['cloud'])} {text(document['region'])}, {text(document['env'])}): "
        f"{len(resources)} resources"
    )
    children: dict[str | None, list[PlanResource]] = {}
    for resource in resources:
        children.setdefault(resource["parent"], []).append(resource)
    tree = Tree(title)

    def grow(branch: Tree, parent: str | None) -> None:
        by_type: dict[str, list[PlanResource]] = {}
        for resource in children.get(parent, []):
            by_type.setdefault(resource["type"], []).append(resource)
        for type_, group in by_type.items():
            # A pool of hundreds of nodes would bury the rest of the tree: show a few of each kind.
            shown = group if len(group) <= MAX_SIBLINGS_SHOWN else group[:SIBLINGS_SAMPLE]
            for resource in shown:
                marker = " [yellow](protected)[/]" if resource["options"].get("protect") else ""
                label = f"[green]+[/] {text(type_)} [bold]{text(resource['name'])}[/]{marker}"
                grow(branch.add(label), resource["urn"])
            if len(shown) < len(group):
                branch.add(f"[dim]... and {len(group) - len(shown)} more {text(type_)}[/]")

    grow(tree, None)
    console.err.print(tree)
    counts = Table("type", "count", title="resources by type", title_justify="left")
    for type_, count in sorted(Counter(r["type"] for r in resources).items()):
        counts.add_row(text(type_), str(count))
    console.err.print(counts)


def warn_deprecations(document: Plan) -> None:
    """A warning on stderr for each deprecated module input the stack's program sets (the plan records them)."""
    for used in document.get("deprecations", []):
        use = f"; use {used['use']}" if used["use"] else ""
        console.err.print(
            f"[yellow]warning:[/] {console.markup(document['stack'])}: {console.markup(used['module'])} "
            f"{console.markup(used['field'])} is deprecated and will be removed in "
            f"{console.markup(used['removed_in'])}{console.markup(use)}"
        )


def show_summary(documents: dict[str, Plan]) -> None:
    table = Table("stack", "version", "cloud", "region", "env", "resources", title="planned stacks")
    for name, document in documents.items():
        table.add_row(
            *map(
                console.markup,
                (name, document["stack_version"], document["cloud"], document["region"], document["env"]),
            ),
            str(len(document["resources"])),
        )
    console.err.print(table)
