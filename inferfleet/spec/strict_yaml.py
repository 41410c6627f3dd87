"""A strict, bounded YAML reader for untrusted files (stack files first).

YAML is parsed by libyaml (PyYAML's C event parser: the reference parser, linear even on
pathological nesting) and the values are built here from its events, so that every limit holds
while the file is read, before any value is expanded:

- YAML 1.2 core schema: `true`/`false` are the only booleans, `10:10` and `yes` are strings,
  `0o17`/`0x1f` are the only non-decimal integers; no sexagesimal numbers, no timestamps.
  Tags other than the core ones (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`,
  `!!seq`) are refused, and so are merge keys (`<<`).
- Keys are strings, and unique: a repeated key names both lines.
- Numbers are finite; integers fit in 64 bits (JSON, and so the Pulumi engine, must carry them).
- Bounded: the file's size (:data:`MAX_FILE_BYTES`), the nesting depth (:data:`MAX_DEPTH`), the
  number of values (:data:`MAX_VALUES`) and the values reached through aliases
  (:data:`MAX_ALIASED_VALUES`, the alias expansion budget: an alias bomb is refused after a few
  thousand events, in milliseconds, whatever its depth).

An alias is the same Python object as its anchor (no copy); the budget counts what a consumer
walking the tree (validation, JSON for the engine) would visit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from inferfleet.errors import EngineError, cut

MAX_FILE_BYTES = 256 * 1024
"""Largest YAML file read (a reference stack file is 2-5 KiB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and sequences (a stack file needs 8), aliases included."""
MAX_VALUES = 50_000
"""Most values (scalars, mappings, sequences) in one file, aliases expanded."""
MAX_ALIASED_VALUES = 5_000
"""Most values reached through aliases in one file: the alias expansion budget."""
_INT64 = 2**63

_NULL = re.compile(r"null|Null|NULL|~|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INFINITY = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
_MAPPING_TAGS = {None, "!", f"{_CORE}map"}
_SEQUENCE_TAGS = {None, "!", f"{_CORE}seq"}

Path = tuple[int | str, ...]


class YamlInputError(ValueError):
    """A YAML document breaks a rule or a limit: where (key path, line) and what was expected."""

    def __init__(self, path: Path, line: int | None, expectation: str, *, unquoted: str | None = None) -> None:
        self.path = path
        self.line = line
        self.expectation = expectation
        self.where = f"line {line}: " if line is not None else ""
        self.unquoted = unquoted
        """The expectation without the value it quotes, for a value at a credential's key path."""
        super().__init__(f"{self.where}{expectation}")

    def without_value(self) -> str:
        """The message, with the value it quotes left out."""
        return f"{self.where}{self.unquoted}" if self.unquoted is not None else str(self)


@dataclass
class _Collection:
    """A mapping or sequence being built, with what it needs to finish."""

    value: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    size: int = 1
    """Values in this collection's subtree, aliases expanded (the collection itself included)."""
    height: int = 1
    """Nesting levels in this collection's subtree, aliases expanded."""
    key: str | None = None
    """A mapping's key waiting for its value."""
    key_lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Anchored:
    value: Any
    size: int
    height: int


def parse_yaml(text: str | bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """The one document of `text` as plain Python values (dict, list, str, int, float, bool, None).

    Raises :class:`YamlInputError` naming the key path and line of the first problem.
    """
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > max_bytes:
        raise YamlInputError((), None, f"is {size} bytes, above the limit of {max_bytes} bytes for a YAML file")
    if not getattr(yaml, "__with_libyaml__", False):
        raise EngineError("PyYAML was built without libyaml, which inferfleet needs to read YAML safely")
    return _Builder().build(yaml.parse(text, Loader=yaml.CSafeLoader))


class _Builder:
    def __init__(self) -> None:
        self.stack: list[_Collection] = []
        self.anchors: dict[str, _Anchored | None] = {}  # None: the anchor's collection is still open
        self.values = 0
        self.aliased = 0
        self.documents = 0
        self.root: Any = None

    def build(self, events: Any) -> Any:
        handlers: dict[type, Callable[[Any], None]] = {
            yaml.ScalarEvent: self._scalar,
            yaml.AliasEvent: self._alias,
            yaml.MappingStartEvent: self._start,
            yaml.SequenceStartEvent: self._start,
            yaml.MappingEndEvent: self._end,
            yaml.SequenceEndEvent: self._end,
            yaml.DocumentStartEvent: self._document,
        }
        try:
            for event in events:
                handler = handlers.get(type(event))
                if handler is not None:
                    handler(event)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            line = mark.line + 1 if mark is not None else None
            where = f" at line {line}" if line is not None else ""
            raise YamlInputError(self._path(), None, f"malformed YAML{where}: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise YamlInputError(self._path(), None, f"malformed YAML: {exc}") from None
        return self.root

    # -- events -----------------------------------------------------------------------------

    def _document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise YamlInputError((), _line(event), "expected one YAML document, found a second (---)")

    def _scalar(self, event: Any) -> None:
        path, line = self._child_path(), _line(event)
        if self.stack and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is None:
            self._key(event, path, line)
            return
        value = _resolve(event, path, line)
        self._count(path, line, size=1)
        self._attach(value, event.anchor, size=1, height=0, line=line)

    def _alias(self, event: Any) -> None:
        path, line = self._child_path(), _line(event)
        if self.stack and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is None:
            raise YamlInputError(path, line, "an alias as a mapping key; keys must be plain strings")
        if event.anchor not in self.anchors:
            raise YamlInputError(path, line, f"alias *{cut(event.anchor)} names no anchor defined before it")
        anchored = self.anchors[event.anchor]
        if anchored is None:
            raise YamlInputError(path, line, f"alias *{cut(event.anchor)} refers to its own enclosing anchor")
        self.aliased += anchored.size
        if self.aliased > MAX_ALIASED_VALUES:
            raise YamlInputError(
                path,
                line,
                f"aliases expand to more than {MAX_ALIASED_VALUES} values (the alias expansion budget); "
                "write the values out or share less",
            )
        self._count(path, line, size=anchored.size)
        self._attach(anchored.value, None, size=anchored.size, height=anchored.height, line=line)

    def _start(self, event: Any) -> None:
        path, line = self._child_path(), _line(event)
        mapping = isinstance(event, yaml.MappingStartEvent)
        if self.stack and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is None:
            kind = "mapping" if mapping else "sequence"
            raise YamlInputError(path, line, f"a {kind} as a mapping key; keys must be plain strings")
        allowed = _MAPPING_TAGS if mapping else _SEQUENCE_TAGS
        if event.tag not in allowed:
            raise YamlInputError(path, line, f"unsupported tag {cut(event.tag)}")
        if len(self.stack) + 1 > MAX_DEPTH:
            raise YamlInputError(path, line, f"nested more than {MAX_DEPTH} levels deep")
        self._count(path, line, size=1)
        if event.anchor is not None:
            self.anchors[event.anchor] = None
        self.stack.append(_Collection(value={} if mapping else [], path=path, anchor=event.anchor))

    def _end(self, event: Any) -> None:
        done = self.stack.pop()
        if done.anchor is not None:
            self.anchors[done.anchor] = _Anchored(done.value, done.size, done.height)
        self._attach(done.value, None, size=done.size, height=done.height, line=_line(event))

    # -- building ---------------------------------------------------------------------------

    def _key(self, event: Any, path: Path, line: int) -> None:
        parent = self.stack[-1]
        if event.tag not in (None, "!", f"{_CORE}str"):
            raise YamlInputError(path, line, f"unsupported tag {cut(event.tag)} on a key; keys must be plain strings")
        key = event.value
        if event.implicit[0] and event.tag is None:
            if key == "<<":
                raise YamlInputError(parent.path, line, "merge keys (<<) are not supported; write the keys out")
            resolved = _resolve(event, path, line)
            if not isinstance(resolved, str):
                raise YamlInputError(
                    parent.path,
                    line,
                    f"key {cut(key)!r} is read as {_kind(resolved)}; keys must be strings (quote it: '{cut(key)}')",
                )
        if event.anchor is not None:
            raise YamlInputError(parent.path, line, f"an anchor on key {cut(key)!r}; anchor values, not keys")
        assert isinstance(parent.value, dict)
        if key in parent.key_lines:
            raise YamlInputError(
                (*parent.path, key),
                line,
                f"duplicate key {cut(key)!r} (first at line {parent.key_lines[key]}, again at line {line}); "
                "a key appears once per mapping",
            )
        parent.key_lines[key] = line
        parent.key = key

    def _count(self, path: Path, line: int, *, size: int) -> None:
        self.values += size
        if self.values > MAX_VALUES:
            raise YamlInputError(path, line, f"more than {MAX_VALUES} values in one file")

    def _attach(self, value: Any, anchor: str | None, *, size: int, height: int, line: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = _Anchored(value, size, height)
        if not self.stack:
            self.root = value
            return
        if len(self.stack) + height > MAX_DEPTH:  # an alias of a deep anchor, placed deep
            raise YamlInputError(self._child_path(), line, f"nested more than {MAX_DEPTH} levels deep")
        parent = self.stack[-1]
        parent.height = max(parent.height, height + 1)
        parent.size += size
        if isinstance(parent.value, dict):
            assert parent.key is not None
            parent.value[parent.key] = value
            parent.key = None
        else:
            parent.value.append(value)

    def _child_path(self) -> Path:
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, dict):
            return parent.path if parent.key is None else (*parent.path, parent.key)
        return (*parent.path, len(parent.value))

    def _path(self) -> Path:
        return self.stack[-1].path if self.stack else ()


def _line(event: Any) -> int:
    return int(event.start_mark.line) + 1


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", type(None): "null"}.get(type(value), "a string")


def _resolve(event: Any, path: Path, line: int) -> Any:
    """A scalar's value under the YAML 1.2 core schema (explicit core tags honoured, others refused)."""
    text: str = event.value
    tag = event.tag
    if tag in (None, "!"):
        if tag == "!" or not event.implicit[0]:
            return text  # quoted or block scalars are strings
        tag = _implicit_tag(text)
    elif tag not in _SCALAR_TAGS:
        raise YamlInputError(path, line, f"unsupported tag {cut(tag)} (core tags only: !!str, !!int, ...)")
    kind = tag.removeprefix(_CORE)
    if kind == "str":
        return text
    if kind == "null":
        if not _NULL.fullmatch(text):
            raise YamlInputError(path, line, f"{cut(text)!r} is not null", unquoted="the value is not null")
        return None
    if kind == "bool":
        if text not in _BOOL:
            raise YamlInputError(
                path, line, f"{cut(text)!r} is not a boolean (true or false)", unquoted="the value is not a boolean"
            )
        return _BOOL[text]
    if kind == "int":
        return _integer(text, path, line)
    return _float(text, path, line)


def _implicit_tag(text: str) -> str:
    if _NULL.fullmatch(text):
        return f"{_CORE}null"
    if text in _BOOL:
        return f"{_CORE}bool"
    if _DECIMAL.fullmatch(text) or _OCTAL.fullmatch(text) or _HEX.fullmatch(text):
        return f"{_CORE}int"
    if _FLOAT.fullmatch(text) or _INFINITY.fullmatch(text) or _NAN.fullmatch(text):
        return f"{_CORE}float"
    return f"{_CORE}str"


def _integer(text: str, path: Path, line: int) -> int:
    out_of_range = "the integer is out of range (64-bit)"
    if len(text) > 24:
        raise YamlInputError(path, line, f"integer {cut(text)} is out of range (64-bit)", unquoted=out_of_range)
    if _DECIMAL.fullmatch(text):
        value = int(text, 10)
    elif _OCTAL.fullmatch(text):
        value = int(text[2:], 8)
    elif _HEX.fullmatch(text):
        value = int(text[2:], 16)
    else:
        raise YamlInputError(path, line, f"{cut(text)!r} is not an integer", unquoted="the value is not an integer")
    if not -_INT64 <= value < _INT64:
        raise YamlInputError(path, line, f"integer {cut(text)} is out of range (64-bit)", unquoted=out_of_range)
    return value


def _float(text: str, path: Path, line: int) -> float:
    if _INFINITY.fullmatch(text) or _NAN.fullmatch(text):
        value = math.nan
    elif _FLOAT.fullmatch(text) or _DECIMAL.fullmatch(text):
        value = float(text)
    else:
        raise YamlInputError(path, line, f"{cut(text)!r} is not a number", unquoted="the value is not a number")
    if not math.isfinite(value):
        raise YamlInputError(
            path,
            line,
            f"{cut(text)} is not a finite number (infinity and NaN are refused)",
            unquoted="the value is not a finite number (infinity and NaN are refused)",
        )
    return value
