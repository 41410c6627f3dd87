"""systemd EnvironmentFile= files (systemd.exec(5)): one `NAME="value"` assignment per variable.

Inside double quotes systemd keeps every character, line breaks included, except that a backslash
escapes `"`, `\\`, `` ` `` and `$`; those four are escaped, so a value is read back exactly and can
never start a new assignment. Names must be environment-variable names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NEEDS_ESCAPE = frozenset('"\\`$')


def environment_value(value: str) -> str:
    if "\0" in value:
        raise ValueError("an environment value cannot hold a NUL character")
    return '"' + "".join("\\" + c if c in _NEEDS_ESCAPE else c for c in value) + '"'


def environment_file(variables: Mapping[str, str]) -> str:
    """The file text, variables in the given order."""
    lines = []
    for name, value in variables.items():
        if not ENV_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not an environment-variable name")
        lines.append(f"{name}={environment_value(value)}\n")
    return "".join(lines)
