"""`inferfleet module api|release`: a module's public API as data, and releases whose bump matches it.

Exit codes of `module release`: 0 released (or, with --dry-run, releasable); 2 refused before anything
was written or sent (unknown module, version not semver or not above the last release, uncommitted
changes in the module's folder, a bump that does not match the API change, a major without its
UPGRADE note) or credentials refused by the registry; 3 the registry is unreachable or rejected the
upload, or the build failed: nothing is tagged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.cli.console import markup
from inferfleet.release.api import ModuleApi, module_api
from inferfleet.release.module import ReleasePlan, release

module_app = typer.Typer(help="A module's public API and its releases.", no_args_is_help=True)
app.add_typer(module_app, name="module")

Root = Annotated[Path, typer.Option("--root", help="The repository holding modules/<name>/.")]


@module_app.command("api")
def api_command(
    name: Annotated[str, typer.Argument(help="Module: vpc, gpu_instance, inference_service (or its distribution).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the API as JSON on stdout.")] = False,
    root: Root = Path(),
) -> int:
    """Print a module's public API from its code: args (type, required, default), outputs, deprecations."""
    api = module_api(root, name)
    if as_json:
        console.emit(json.dumps(api.to_json(), indent=2))
        return 0
    _print_api(api)
    return 0


def _print_api(api: ModuleApi) -> None:
    console.err.print(f"[bold]{markup(api.distribution)}[/] {markup(api.version)}")
    for name, fields in api.args.items():
        table = Table("input", "type", "required", "default", title=markup(name), title_justify="left")
        for field in fields:
            table.add_row(
                markup(field.name), markup(field.type), "yes" if field.required else "", markup(field.default or "")
            )
        console.err.print(table)
    for name, outputs in api.components.items():
        table = Table("output", "type", title=f"{markup(name)} outputs", title_justify="left")
        for output in outputs:
            table.add_row(markup(output.name), markup(output.type))
        console.err.print(table)
    if api.functions:
        table = Table("function / class", "parameters", title="functions and classes", title_justify="left")
        for name, parameters in api.functions.items():
            shown = ", ".join(
                f"{p.name}: {p.type}" + (f" = {p.default}" if p.default is not None else "") for p in parameters
            )
            table.add_row(markup(name), markup(shown))
        console.err.print(table)
    for deprecation in api.deprecations:
        use = f"; use {deprecation.use}" if deprecation.use else ""
        console.err.print(
            f"[yellow]deprecated[/] {markup(deprecation.kind)} {markup(deprecation.where)}: "
            f"removed in {markup(deprecation.removed_in)}{markup(use)}"
        )


@module_app.command("release")
def release_command(
    name: Annotated[str, typer.Argument(help="Module: vpc, gpu_instance, inference_service (or its distribution).")],
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="Upload URL of a PyPI-compatible index (default: $INFERFLEET_REGISTRY, else http://127.0.0.1:8080/). "
            "Credentials: TWINE_USERNAME/TWINE_PASSWORD or keyring.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show the release; write, build, upload and tag nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the release as JSON on stdout.")] = False,
    root: Root = Path(),
) -> int:
    """Release a module: bump checked against the API, CHANGELOG, build, upload, then the git tag."""
    plan = release(root, name, registry=registry, dry_run=dry_run)
    if as_json:
        console.emit(json.dumps(_release_json(plan, dry_run), indent=2))
    bump = f"{plan.declared} release since {plan.base}" if plan.declared is not None else "first release"
    console.err.print(f"[bold]{markup(plan.distribution)} {markup(plan.version)}[/]: {markup(bump)}")
    for change in plan.changes:
        console.err.print(f"  {change.bump}: {markup(change.text)}")
    if dry_run:
        console.err.print("[dim]dry run: nothing written, built, uploaded or tagged[/]")
        console.err.print(markup(plan.changelog_entry))
    else:
        console.err.print(f"uploaded {markup(', '.join(plan.files))}; tagged {markup(plan.tag)}")
    return 0


def _release_json(plan: ReleasePlan, dry_run: bool) -> dict[str, object]:
    return {
        "distribution": plan.distribution,
        "version": plan.version,
        "tag": plan.tag,
        "base": plan.base,
        "base_version": plan.base_version,
        "declared_bump": str(plan.declared) if plan.declared is not None else None,
        "required_bump": str(plan.required),
        "changes": [{"bump": str(change.bump), "change": change.text} for change in plan.changes],
        "changelog_entry": plan.changelog_entry,
        "files": plan.files,
        "uploaded": plan.uploaded,
        "tagged": plan.tagged,
        "dry_run": dry_run,
    }
