"""`inferfleet registry serve|add-user`: the embedded module registry, a real pypiserver on loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.cli.console import markup
from inferfleet.errors import InputError
from inferfleet.release.registry import MAX_PASSWORD_BYTES, add_user, serve_arguments

registry_app = typer.Typer(help="The embedded module registry (pypiserver on 127.0.0.1).", no_args_is_help=True)
app.add_typer(registry_app, name="registry")

Directory = Annotated[Path, typer.Option("--dir", help="Folder of the registry's packages (and its htpasswd).")]
Htpasswd = Annotated[
    Path | None, typer.Option("--htpasswd", help="htpasswd file of the uploaders (default: DIR/.htpasswd).")
]


@registry_app.command("serve")
def serve_command(
    directory: Directory = Path(".registry"),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")] = 8080,
    htpasswd: Htpasswd = None,
    authenticated_downloads: Annotated[
        bool, typer.Option("--authenticated-downloads", help="Downloads and listings need a password too.")
    ] = False,
) -> int:
    """Serve the registry on 127.0.0.1 until interrupted: uploads need a password, no fallback to PyPI."""
    directory.mkdir(parents=True, exist_ok=True)
    arguments = serve_arguments(
        directory,
        port=port,
        htpasswd=htpasswd or directory / ".htpasswd",
        authenticated_downloads=authenticated_downloads,
    )
    console.err.print(f"registry on http://127.0.0.1:{port}/ (packages in {markup(directory)}); Ctrl-C stops it")
    try:
        return subprocess.run(arguments, check=False).returncode
    except KeyboardInterrupt:
        return 0


@registry_app.command("add-user")
def add_user_command(
    user: Annotated[str, typer.Argument(help="User name.")],
    directory: Directory = Path(".registry"),
    htpasswd: Htpasswd = None,
) -> int:
    """Add or change a registry user; the password is read from stdin (never from a flag)."""
    password = _stdin_line() if not sys.stdin.isatty() else typer.prompt("password", hide_input=True)
    path = htpasswd or directory / ".htpasswd"
    add_user(path, user, password)
    console.err.print(f"{markup(user)} can upload to the registry ({markup(path)})")
    return 0


def _stdin_line() -> str:
    """The first line of stdin, read no further than a password can be long (stdin may never end)."""
    raw = sys.stdin.buffer.readline(MAX_PASSWORD_BYTES + 2)
    line = raw.removesuffix(b"\n").removesuffix(b"\r")
    if len(line) > MAX_PASSWORD_BYTES:
        raise InputError(f"password: longer than {MAX_PASSWORD_BYTES} bytes")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("password: is not UTF-8 text") from None
