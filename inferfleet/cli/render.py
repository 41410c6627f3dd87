"""`inferfleet render`: each pool's cloud-init and every Kubernetes manifest of a stack, for review."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.cli.plan import StacksDir
from inferfleet.errors import InputError
from inferfleet.plan import Planner
from inferfleet.render import manifest_files, user_data_files

SECTIONS = {"cloud-init": user_data_files, "manifests": manifest_files}
"""Sub-folder -> the function that extracts its files from a plan document."""


@app.command("render")
def render_command(
    stack: Annotated[str, typer.Option("--stack", "-s", help="Stack to render, e.g. prod-cn-south.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write <stack>/cloud-init and <stack>/manifests into.")
    ],
    stacks_dir: StacksDir = Path("stacks"),
) -> int:
    """Write the stack's user-data and Kubernetes manifests (one YAML per object) for GitOps review."""
    target = out / stack
    if target.is_symlink():  # replacing the folder would follow the link, or replace it with a folder
        raise InputError(
            f"{console.plain(target)}: is a symbolic link; render replaces <stack>/ as a whole: "
            "give -o/--out the folder the link points into, or remove the link"
        )
    if target.exists() and not target.is_dir():
        raise InputError(f"{console.plain(target)}: is a file; -o/--out names a folder that will hold <stack>/")
    document = Planner(stacks_dir).plan(stack)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Render into a scratch folder and swap it in, so a failure never leaves a half-written tree.
        scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{stack}."))
    except OSError as exc:
        raise InputError(
            f"{console.plain(out)}: cannot write the rendered files here ({exc.strerror or exc}); "
            "-o/--out names a folder"
        ) from None
    summary = Table("folder", "files", title=f"rendered {console.markup(stack)}", title_justify="left")
    try:
        for section, extract in SECTIONS.items():
            files = extract(document)
            for relative, text in sorted(files.items()):
                path = scratch / section / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            summary.add_row(console.markup(target / section), str(len(files)))
        if target.exists():
            shutil.rmtree(target)
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    console.err.print(summary)
    return 0
