"""Shared output: people read stderr (rich), machines read stdout (JSON).

The one terminal writer: every value that comes from a stack file, a plan, a preview or a waiver
(URNs, names, versions, messages) reaches the terminal through :func:`markup` (inside rich markup)
or :func:`plain` (printed with markup off). Both show control characters as escapes (`\\x1b`), so a
value can neither clear the screen nor move the cursor; :func:`markup` also escapes rich markup,
so `[/]` is text, not a tag. Files are written by :func:`write_atomically`: completely or not at all.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from inferfleet.errors import EngineError, InputError
from inferfleet.text import visible


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich exits with status 1 here, which is our "policy denied": the command's error handling
        # decides instead (inferfleet.cli.app: 141, as a program stopped by SIGPIPE).
        raise BrokenPipeError


err = _Console(stderr=True, highlight=False, emoji=False)
if not err.is_terminal:
    # Logs and CI captures are read later at any width: don't truncate tables to 80 columns.
    err.width = 160
out = _Console(highlight=False, soft_wrap=True, emoji=False)


def emit(text: str) -> None:
    """Machine output (JSON written by its writer) on stdout as it is, ending with a newline.

    Not through rich: its print costs about 0.35 s per MB (9 s for the JSON of a 10,000-resource
    plan) and changes nothing in JSON text (the only characters it drops, such as a carriage return,
    are written as escapes in JSON)."""
    out.file.write(text if text.endswith("\n") else text + "\n")


def plain(value: object) -> str:
    """`value` as terminal text: every unprintable character written as an escape (see `visible`)."""
    return visible(value)


def markup(value: object) -> str:
    """`value` as text inside rich markup: unprintable characters escaped (see :func:`plain`), markup inert."""
    return escape(plain(value))


def error(message: str, *, hint: str | None = None) -> None:
    # Never wrapped: a path or key path split over two lines can't be copied or grepped.
    err.print(f"[bold red]error:[/] {_lines(message)}", soft_wrap=True)
    if hint:
        err.print(f"[dim]hint:[/] {_lines(hint)}", soft_wrap=True)


def _lines(message: str) -> str:
    """A multi-line message (one problem per line) with each line made safe."""
    return "\n".join(markup(line) for line in message.split("\n"))


_ENGINE_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EROFS}
"""Write failures that are the machine's, not the path the user named."""


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write a file completely or not at all: a failed run never leaves half a file behind.

    A path the user named that cannot be a file (a folder, a file's child, no permission) is an
    InputError naming it; a full or failing disk is an EngineError. A symbolic link keeps pointing
    at the file it names, which is replaced.

    A character device, a pipe, and any path under /dev or /proc (/dev/stdout, /dev/null, a FIFO,
    /proc/self/fd/1) are written into, appending, as `tee -a` does: renaming a file over them would
    replace the device or the standard stream's link itself (run as root, /dev/null would become a
    report for every program), and truncating would cut what the shell's redirection already holds.
    """
    write_all_atomically({path: content})


def write_all_atomically(files: Mapping[Path, str | bytes]) -> None:
    """Write several files as :func:`write_atomically` writes one, and as a set: each is written to a
    temporary file beside it, and only once all are written are they renamed into place, so a path
    that cannot be written (a folder where a file goes) leaves none of them (`plan --all --out`)."""
    staged: list[tuple[Path, Path]] = []
    renamed = 0
    try:
        for path, content in files.items():
            written = _stage(path, content)
            if written is not None:
                staged.append(written)
        for temporary, target in staged:
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise _write_error(target, exc) from None
            renamed += 1
    finally:
        for leftover, _ in staged[renamed:]:
            leftover.unlink(missing_ok=True)


def _stage(path: Path, content: str | bytes) -> tuple[Path, Path] | None:
    """(a complete temporary file beside the target, the target), or None when `path` is written into."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # no such file yet (the usual case), or a name no file can have
        mode = 0
    if stat.S_ISDIR(mode):
        raise InputError(f"{plain(path)}: is a folder; expected the path of a file to write")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or path.absolute().parts[1:2] in (("dev",), ("proc",)):
        _write_into(path, content)
        return None
    if mode and not stat.S_ISREG(mode):
        raise InputError(f"{plain(path)}: is a device or socket; expected the path of a file to write")
    if path.is_symlink():
        try:
            path = path.resolve()
        except (OSError, RuntimeError):  # a loop of links (RuntimeError on Python 3.11)
            raise InputError(f"{plain(path)}: is a loop of symbolic links; expected a file path") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from None
    temporary = Path(name)
    try:
        # mkstemp creates the file 0600: the file gets the mode it had, or what the umask gives a new one.
        os.fchmod(handle, stat.S_IMODE(mode) if mode else 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _write_error(path, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, path


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: set it back at once
    os.umask(mask)
    return mask


def _write_into(path: Path, content: str | bytes) -> None:
    try:
        with path.open("ab") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as exc:
        raise _write_error(path, exc) from None


def _write_error(path: Path, exc: OSError) -> InputError | EngineError:
    reason = exc.strerror or type(exc).__name__
    if exc.errno in _ENGINE_ERRNOS:
        return EngineError(f"{plain(path)}: cannot be written ({reason})")
    return InputError(f"{plain(path)}: cannot be written here ({reason}); expected a file path in a writable folder")
