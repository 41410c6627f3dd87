"""systemd unit files (systemd.syntax(7), systemd.service(5) "Command lines").

A unit is written from fixed section and key names; only values come from callers. A plain value
(`Description=`) may not hold a line break or any other control character and has its `%`
specifiers escaped. A command line (`ExecStart=` ...) quotes every argument that needs it:
double quotes, C escapes for `\\`, `"` and every non-printable character, `%%` for a literal `%`
(specifiers are expanded before the line is split) and `$$` for a literal `$` (variables are
substituted after), so an argument is always exactly one argument with exactly its text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_SECTION = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_PLAIN_ARGUMENT = re.compile(r"[A-Za-z0-9_+=:,./@-]+")
_PROGRAM = re.compile(r"/[A-Za-z0-9_+.,/@-]+")
_PREFIXES = frozenset("-@+!:")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "%": "%%", "$": "$$", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


@dataclass(frozen=True)
class Command:
    """A command line: an absolute program path (fixed, never user text) and its arguments."""

    argv: tuple[str, ...]
    prefix: str = ""
    """systemd's special executable prefixes, e.g. "-" (a failure is ignored)."""


Value = str | int | Command
Section = Sequence[tuple[str, Value]]


def _unprintable(character: str) -> bool:
    return unicodedata.category(character)[0] == "C" or unicodedata.category(character) in ("Zl", "Zp")


def _escape(character: str) -> str:
    if character == "\0":
        raise ValueError("a NUL character cannot be passed on a systemd command line")
    if character in _ESCAPES:
        return _ESCAPES[character]
    if not _unprintable(character):
        return character
    code = ord(character)
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def command_argument(argument: str) -> str:
    """One argument of a command line: as is when it is plain, else double-quoted with C escapes."""
    if _PLAIN_ARGUMENT.fullmatch(argument):
        return argument
    return '"' + "".join(_escape(character) for character in argument) + '"'


def command_line(command: Command) -> str:
    if not command.argv or not _PROGRAM.fullmatch(command.argv[0]):
        raise ValueError(f"a command line starts with an absolute program path, got {command.argv[:1]!r}")
    if not set(command.prefix) <= _PREFIXES:
        raise ValueError(f"{command.prefix!r} is not a systemd executable prefix")
    program, *arguments = command.argv
    return " ".join([command.prefix + program, *(command_argument(argument) for argument in arguments)])


def plain_value(value: str) -> str:
    """A value that systemd reads as is (no C escapes): line breaks and control characters are refused."""
    bad = sorted({repr(character) for character in value if _unprintable(character)})
    if bad:
        raise ValueError(f"a systemd setting cannot hold the characters {', '.join(bad)}")
    if value != value.strip() or value.endswith("\\"):
        raise ValueError("a systemd setting cannot start or end with whitespace or end with a backslash")
    return value.replace("%", "%%")


def _value(value: Value) -> str:
    if isinstance(value, Command):
        return command_line(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return plain_value(value)


def unit_file(sections: Mapping[str, Section]) -> str:
    """The unit text: each section with its settings in order, one blank line between sections."""
    blocks = []
    for section, settings in sections.items():
        if not _SECTION.fullmatch(section):
            raise ValueError(f"{section!r} is not a unit section name")
        lines = [f"[{section}]"]
        for key, value in settings:
            if not _NAME.fullmatch(key):
                raise ValueError(f"{key!r} is not a unit setting name")
            lines.append(f"{key}={_value(value)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
