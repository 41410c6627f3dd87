"""The git operations the toolkit needs, with refs treated as untrusted input.

A ref from a flag or a CI variable is verified to name a commit before it reaches any other git
command, is never read as an option (`--end-of-options`), and is bounded in length; git runs
with a list of arguments, never through a shell, with a timeout.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inferfleet.errors import EngineError, InputError

GIT_TIMEOUT_SECONDS = 120
MAX_REF_LENGTH = 256
_REF_TEXT = re.compile(r"[A-Za-z0-9._/@^~{}+-]+")


class GitRefError(InputError):
    """A ref that names no commit, or that is not a plausible ref at all."""


@dataclass(frozen=True)
class Repository:
    root: Path

    @classmethod
    def containing(cls, path: Path) -> Repository:
        """The repository whose work tree contains `path`."""
        completed = _run(["git", "-C", str(path), "rev-parse", "--show-toplevel"], check=False)
        if completed.returncode != 0:
            raise InputError(f"{path}: not inside a git repository", hint="run from a clone of the fleet repository")
        return cls(Path(completed.stdout.strip()))

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run(["git", "-C", str(self.root), *args], check=check)

    def commit(self, ref: str, *, label: str = "ref") -> str:
        """The full commit id `ref` names; a bad or unknown ref is an input error naming it."""
        shown = ref if len(ref) <= 80 else f"{ref[:80]}…"
        if not ref or len(ref) > MAX_REF_LENGTH or not _REF_TEXT.fullmatch(ref) or ref.startswith("-"):
            raise GitRefError(f"{label} {shown!r}: not a git ref (letters, digits and ._/@^~{{}}+- only)")
        completed = self.git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
        if completed.returncode != 0:
            kind = self.git("cat-file", "-t", "--end-of-options", ref, check=False).stdout.strip()
            if kind in ("tree", "blob"):
                raise GitRefError(f"{label} {shown!r}: names a {kind}, not a commit")
            raise GitRefError(
                f"{label} {shown!r}: no such commit in {self.root}",
                hint="fetch it first (in CI: actions/checkout with fetch-depth: 0)",
            )
        return completed.stdout.strip()

    def merge_base(self, base: str, head: str) -> str:
        completed = self.git("merge-base", base, head, check=False)
        # Unrelated histories have no merge base: compare with the base itself.
        return completed.stdout.strip() if completed.returncode == 0 else base

    def changed_paths(self, base: str, head: str) -> list[str]:
        """Repository-relative paths that differ between `base` and `head` (renames as delete + add).

        A name that is not UTF-8 (git allows any bytes but NUL) has those bytes written as `\\xff`
        escapes: text every writer (JSON, Markdown, the terminal) can take, and no stack or module name.
        """
        completed = self.git("diff", "--name-only", "--no-renames", "-z", base, head)
        return sorted(_escaped(path) for path in completed.stdout.split("\0") if path)

    def show(self, commit: str, path: str, *, max_bytes: int) -> str | None:
        """The text of `path` at `commit`, or None when the commit has no such file; a file over
        `max_bytes` is an input error (a commit is untrusted: it is never read whole into memory)."""
        size = self.git("cat-file", "-s", f"{commit}:{path}", check=False)
        if size.returncode != 0:
            return None
        if int(size.stdout.strip() or 0) > max_bytes:
            raise InputError(f"{path} at {commit[:12]}: over {max_bytes} bytes")
        completed = self.git("show", f"{commit}:{path}", check=False)
        return completed.stdout if completed.returncode == 0 else None

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.git("merge-base", "--is-ancestor", older, newer, check=False).returncode == 0


def _escaped(path: str) -> str:
    """A path git printed, read with surrogateescape, with any byte that is not UTF-8 as `\\xNN`."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _run(arguments: Sequence[str], *, check: bool) -> subprocess.CompletedProcess[str]:
    try:
        completed = subprocess.run(
            list(arguments),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise EngineError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise EngineError(
            f"git {arguments[3] if len(arguments) > 3 else ''} took over {GIT_TIMEOUT_SECONDS} s"
        ) from exc
    if check and completed.returncode != 0:
        raise EngineError(f"git {' '.join(arguments[3:5])} failed: {completed.stderr.strip()[:300]}")
    return completed
