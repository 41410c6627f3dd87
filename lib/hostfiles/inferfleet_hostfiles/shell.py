"""Shell scripts from fixed templates: user values only as single-quoted words (`shlex.quote`).

A script is the template's text after a block of `name='value'` assignments; the template refers
to the values as `"$name"` and never pastes them, so no value becomes a line or a command.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

SHELL_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def shell_word(value: str) -> str:
    """One shell word with exactly `value`'s text."""
    if "\0" in value:
        raise ValueError("a shell word cannot hold a NUL character")
    return shlex.quote(value)


def shell_assignments(variables: Mapping[str, str | int]) -> str:
    """`name='value'` lines, one per variable, in the given order."""
    lines = []
    for name, value in variables.items():
        if not SHELL_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a lower-case shell variable name")
        lines.append(f"{name}={shell_word(str(value))}\n")
    return "".join(lines)


def shell_script(header: str, variables: Mapping[str, str | int], body: str) -> str:
    """`header` (shebang and fixed comments), the assignments, then the fixed `body`."""
    return header + shell_assignments(variables) + body
