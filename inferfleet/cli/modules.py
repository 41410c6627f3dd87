"""`inferfleet modules check|used-by`: which stack uses which module version, read from the stacks' plans."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.cli.console import markup
from inferfleet.release.api import DISTRIBUTION_PREFIX
from inferfleet.release.registry import registry_url
from inferfleet.release.usage import check_modules, parse_spec, stack_plans, used_by

modules_app = typer.Typer(help="Module versions the stacks use, and the upgrades available.", no_args_is_help=True)
app.add_typer(modules_app, name="modules")

StacksDir = Annotated[Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.")]
PlansDir = Annotated[
    Path | None, typer.Option("--plans", help="Folder of <stack>.plan.json (default: plan every stack now).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


@modules_app.command("check")
def check_command(
    registry: Annotated[
        str | None, typer.Option("--registry", help="A PyPI-compatible index (default: $INFERFLEET_REGISTRY).")
    ] = None,
    as_json: AsJson = False,
    plans_dir: PlansDir = None,
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """Per stack: each module's version, the newest release on the registry and the upgrade's bump level."""
    rows = check_modules(stack_plans(stacks_dir, plans_dir), registry_url(registry))
    if as_json:
        console.emit(json.dumps([asdict(row) for row in rows], indent=2))
        return 0
    table = Table("stack", "module", "version", "from", "newest", "upgrade", "deprecated inputs used")
    for row in rows:
        table.add_row(
            markup(row.stack),
            markup(row.module),
            markup(row.version),
            markup(row.source),
            markup(row.newest or "-"),
            markup(row.upgrade),
            markup("; ".join(row.deprecations)),
        )
    console.err.print(table)
    return 0


@modules_app.command("used-by")
def used_by_command(
    name: Annotated[str, typer.Argument(help="Module distribution (inferfleet-vpc) or short name (vpc).")],
    version: Annotated[
        str | None, typer.Option("--version", help="Only versions this specifier allows, e.g. '<1.2'.")
    ] = None,
    as_json: AsJson = False,
    plans_dir: PlansDir = None,
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """List the stacks whose plan uses module NAME, with the version and where it was installed from."""
    spec = parse_spec(version)
    distribution = name if name.startswith(DISTRIBUTION_PREFIX) else DISTRIBUTION_PREFIX + name
    uses = used_by(stack_plans(stacks_dir, plans_dir), distribution.replace("_", "-"), spec)
    if as_json:
        console.emit(json.dumps([asdict(use) for use in uses], indent=2))
        return 0
    table = Table("stack", "env", "version", "from", title=markup(distribution), title_justify="left")
    for use in uses:
        table.add_row(markup(use.stack), markup(use.env), markup(use.version), markup(use.source))
    console.err.print(
        table if uses else f"no stack uses {markup(distribution)}{markup(f' {version}' if version else '')}"
    )
    return 0
