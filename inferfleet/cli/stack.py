"""`inferfleet stack bump|release|verify-tag`: a stack's semver from its plan diff, released as a git tag.

Exit 0 done (or nothing to bump), 1 the gate denies the release, 2 input error (dirty tree, tag
exists, no changelog entry, version not semver, unknown ref; for `verify-tag`, a tag that is not the
release of the commit), 3 engine error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.cli.console import markup
from inferfleet.cli.diff import policy_gate
from inferfleet.gate.engine import DEFAULT_POLICIES
from inferfleet.release.stack import bump_stack, changelog_file, release_stack, stack_file, verify_tag

stack_app = typer.Typer(help="Stack versions: bump from the plan diff, release as a git tag.", no_args_is_help=True)
app.add_typer(stack_app, name="stack")

StacksDir = Annotated[Path, typer.Option("--stacks-dir", help="Folder of Pulumi.<stack>.yaml files.")]


@stack_app.command("bump")
def bump_command(
    stack: Annotated[str, typer.Option("--stack", "-s", help="The stack to bump.")],
    base: Annotated[
        str | None,
        typer.Option("--base", help="Git ref to compare with (default: the last release tag, else the first commit)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """Write the version the plan diff implies into the stack file and prepend its changelog entry."""
    result = bump_stack(stacks_dir, stack, base_ref=base)
    if as_json:
        document = {
            "stack": result.stack,
            "base": result.base_ref,
            "bump": result.bump,
            "old_version": result.old_version,
            "new_version": result.new_version,
            "written": result.written,
            "changelog_entry": result.changelog_entry,
        }
        console.emit(json.dumps(document, indent=2, sort_keys=True))
    if not result.written:
        console.err.print(f"{markup(stack)}: nothing to bump since {markup(result.base_ref)} ({result.bump})")
        return 0
    console.err.print(
        f"{markup(stack)}: {result.bump} bump {markup(result.old_version)} -> [bold]{markup(result.new_version)}[/] "
        f"(since {markup(result.base_ref)}); wrote {markup(str(stack_file(stacks_dir, stack)))} and "
        f"{markup(str(changelog_file(stacks_dir, stack)))}"
    )
    return 0


@stack_app.command("release")
def release_command(
    stack: Annotated[str, typer.Option("--stack", "-s", help="The stack to release.")],
    opa_url: Annotated[
        str | None, typer.Option("--opa-url", help="Use this OPA server instead of starting one.")
    ] = None,
    opa_bin: Annotated[str | None, typer.Option("--opa-bin", help="OPA binary (default: as for `gate`).")] = None,
    policies: Annotated[
        Path, typer.Option("--policies", help="Folder of OPA policies and their data.")
    ] = DEFAULT_POLICIES,
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """Tag the stack's version `stacks/<stack>/vX.Y.Z` once the tree is clean and the gate passes its plan."""
    with policy_gate(policies, opa_url=opa_url, opa_bin=opa_bin) as gate:
        tag, _ = release_stack(stacks_dir, stack, gate=gate)
    console.err.print(f"tagged [bold]{markup(tag)}[/]")
    return 0


@stack_app.command("verify-tag")
def verify_tag_command(
    tag: Annotated[str, typer.Argument(help="The release tag about to be deployed: stacks/<stack>/vX.Y.Z.")],
    ref: Annotated[str, typer.Option("--ref", help="The commit about to be deployed.")] = "HEAD",
    as_json: Annotated[bool, typer.Option("--json", help="Print the release as JSON on stdout.")] = False,
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """Check a tag before a deploy: exactly stacks/<stack>/v<the version the stack declares at REF>, naming REF."""
    release = verify_tag(stacks_dir, tag, ref=ref)
    if as_json:
        document = {"tag": release.tag, "stack": release.stack, "version": release.version, "commit": release.commit}
        console.emit(json.dumps(document, indent=2, sort_keys=True))
    console.err.print(
        f"{markup(release.tag)}: version {markup(release.version)} of {markup(release.stack)} "
        f"at {markup(release.commit[:12])}, as its stack file declares"
    )
    return 0
