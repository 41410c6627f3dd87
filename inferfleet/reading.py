"""Reading untrusted files: never more than a bound, whatever the file turns out to be."""

from __future__ import annotations

from pathlib import Path


def read_at_most(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `path`: the caller refuses a result longer than `limit`.

    A size from `stat` is no bound: `/dev/zero`, a FIFO and a symlink to either (a pull request can
    commit one) report 0 bytes and never end, and reading them whole fills the memory. Raises OSError.
    """
    with path.open("rb") as stream:
        return stream.read(limit + 1)
