"""`inferfleet affected`: the stacks a change touches, for pipelines and people alike."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.gitrepo import Repository
from inferfleet.review.affected import affected_stacks
from inferfleet.spec.load import list_stacks, load_stack


def _saved_modules(plans_dir: Path, stack: str) -> Mapping[str, str] | None:
    path = plans_dir / f"{stack}.plan.json"
    if not path.is_file():
        return None
    from inferfleet.gate import DEFAULT_MAX_PLAN_BYTES, load_plan

    return load_plan(str(path), max_bytes=DEFAULT_MAX_PLAN_BYTES, stacks_dir=Path("stacks")).get("modules", {})


@app.command("affected")
def affected_command(
    base: Annotated[str, typer.Option("--base", help="Base commit or ref, e.g. origin/main or a SHA.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the affected stacks as JSON on stdout.")] = False,
    plans_dir: Annotated[
        Path | None,
        typer.Option("--plans", help="Folder of <stack>.plan.json of the head (skips planning to find module users)."),
    ] = None,
    stacks_dir: Annotated[Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.")] = Path(
        "stacks"
    ),
) -> int:
    """List the stacks that the change from BASE to the checked-out commit affects, with the reasons."""
    repo = Repository.containing(Path.cwd())
    base_commit = repo.commit(base, label="--base")
    head_commit = repo.commit("HEAD", label="HEAD")
    planner = None

    def modules_of(stack: str) -> Mapping[str, str]:
        nonlocal planner
        saved = _saved_modules(plans_dir, stack) if plans_dir is not None else None
        if saved is not None:
            return saved
        if planner is None:
            from inferfleet.plan import Planner

            planner = Planner(stacks_dir)
        return planner.plan(stack)["modules"]

    result = affected_stacks(
        repo,
        base_commit,
        head_commit,
        stacks_at_head=list_stacks(stacks_dir),
        links_of=lambda stack: [link.stack for link in load_stack(stacks_dir, stack).fleet.links],
        modules_of=modules_of,
    )
    if as_json:
        console.emit(orjson.dumps(result.as_json(), option=orjson.OPT_INDENT_2).decode())
        return 0
    table = Table("stack", "why", title=f"stacks affected since {result.base[:12]}", title_justify="left")
    for item in result.stacks:
        # Paths come from commits anyone can push: a newline or an escape in a file name stays visible text.
        table.add_row(console.markup(item.stack), console.markup("; ".join(item.reasons)))
    console.err.print(table if result.stacks else "no stack is affected")
    return 0
