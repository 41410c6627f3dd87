"""Shared output: people read stderr (rich), machines read stdout (JSON)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape

err = Console(stderr=True, highlight=False)
if not err.is_terminal:
    # Logs and CI captures are read later at any width: don't truncate tables to 80 columns.
    err.width = 160
out = Console(highlight=False, soft_wrap=True)


def error(message: str, *, hint: str | None = None) -> None:
    # Never wrapped: a path or key path split over two lines can't be copied or grepped.
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    if hint:
        err.print(f"[dim]hint:[/] {escape(hint)}", soft_wrap=True)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write a file completely or not at all: a failed run never leaves half a file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
