"""Reading untrusted files: never more than a bound, whatever the file turns out to be."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_PYPROJECT_BYTES = 1024 * 1024
"""Largest pyproject.toml read from a commit or a base tree (this repository's are about 3 KiB)."""


def read_at_most(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `path`: the caller refuses a result longer than `limit`.

    A size from `stat` is no bound: `/dev/zero`, a FIFO and a symlink to either (a pull request can
    commit one) report 0 bytes and never end, and reading them whole fills the memory. Raises OSError.
    For a path the user named on the command line: a pipe (`<(...)`) is read as any file is.
    """
    with path.open("rb") as stream:
        return stream.read(limit + 1)


def read_regular_file(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `path`, which must be a regular file (a symbolic link to one counts).

    For files a repository holds (a pull request writes them): a FIFO, a device or a link to one is
    refused without blocking, where opening a FIFO for reading waits for a writer forever. Raises
    OSError (EINVAL, "not a regular file" for those).
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return stream.read(limit + 1)
