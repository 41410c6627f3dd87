"""Policy data is user input: each policy's data.yaml is checked against the schema.yaml beside it.

OPA would load a mistyped data file and let the rules quietly misjudge plans (a list of regions
written as one string matches nothing); the gate refuses it first, naming the file and the key.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from inferfleet.errors import ECHO_LIMIT, PolicyInputError, cut
from inferfleet.reading import read_at_most

_EventParser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_EventParser):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader (libyaml's when built with it), refusing a key written twice in one mapping.

    Policy data and METADATA are also read by OPA, whose YAML reader is YAML 1.1 like PyYAML's, so
    both see the same values; but both would let a repeated key silently win over the first.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as exc:  # a scalar Python refuses: a 13th month, an integer of more than 4,300 digits
            raise yaml.constructor.ConstructorError(
                None, None, f"{cut(repr(node.value))} cannot be read ({cut(exc)})", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges; the keys it brings may repeat
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):  # the safe constructor refuses it itself
                continue
            line = key_node.start_mark.line + 1
            if key in lines:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {str(key)[:64]!r} is written twice (lines {lines[key]} and {line})",
                    key_node.start_mark,
                )
            lines[key] = line
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


DATA_FILE = "data.yaml"
SCHEMA_FILE = "schema.yaml"


MAX_POLICY_FILE_BYTES = 4 * 1024 * 1024
"""Largest policy data, schema or Rego file read (the largest in this repository is about 20 KiB)."""


def read_policy_file(path: Path) -> str:
    """A policy folder's file as text, bounded; a file that cannot be read is a PolicyInputError."""
    try:
        raw = read_at_most(path, MAX_POLICY_FILE_BYTES)
        if len(raw) > MAX_POLICY_FILE_BYTES:
            raise PolicyInputError(str(path), "", f"is larger than {MAX_POLICY_FILE_BYTES} bytes")
        return raw.decode("utf-8")
    except OSError as exc:
        raise PolicyInputError(str(path), "", f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise PolicyInputError(str(path), f"byte {exc.start}", "is not UTF-8 text") from None


def _load(path: Path) -> Any:
    text = read_policy_file(path)
    try:
        # An alias shares its anchor's value here, but the schema check walks it once per use: a
        # few lines of nested aliases would take it billions of steps. Policy data needs none.
        for event in yaml.parse(text, Loader=_EventParser):
            if isinstance(event, yaml.AliasEvent):
                line = f"line {event.start_mark.line + 1}" if event.start_mark else ""
                raise PolicyInputError(str(path), line, "uses a YAML alias (*name); write the value out")
        # libyaml's safe loader (PyYAML's C binding) reads the policy data 3x faster than the pure-Python one.
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise PolicyInputError(str(path), "", f"is not valid YAML ({exc})") from exc


def key_path(parts: Any) -> str:
    """`a.b[0].c`, as the gate's errors name a place in a data or waivers file."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def check_policy_data(policies_dir: Path) -> None:
    """Every policy folder's data.yaml against its schema.yaml; a data file without a schema is refused."""
    for data_file in sorted(policies_dir.glob(f"*/{DATA_FILE}")):
        schema_file = data_file.with_name(SCHEMA_FILE)
        if not schema_file.exists():
            raise PolicyInputError(str(data_file), "", f"has no {SCHEMA_FILE} beside it to check it against")
        validator = _validator(schema_file)
        data = _load(data_file)
        _check_json_values(data, data_file)
        error = next(validator.iter_errors(data), None)
        if error is not None:
            raise PolicyInputError(str(data_file), key_path(error.instance_path), cut(error.message, 4 * ECHO_LIMIT))


def _validator(schema_file: Path) -> jsonschema_rs.Validator:
    """The schema's validator (jsonschema-rs: a tenth of the Python jsonschema's import and checking time)."""
    schema = _load(schema_file)
    _check_json_values(schema, schema_file)
    try:
        # offline: a `$ref` to a URL is refused, never fetched. RegexOptions: Rust's regex engine, so a
        # `pattern` runs in time linear in the text (no backtracking; lookaround is refused).
        return jsonschema_rs.validator_for(schema, offline=True, pattern_options=jsonschema_rs.RegexOptions())
    except jsonschema_rs.ValidationError as exc:
        reason = cut(exc.message.split("\n", 1)[0], 4 * ECHO_LIMIT)
        raise PolicyInputError(
            str(schema_file), key_path(exc.instance_path), f"is not a JSON Schema the gate can use: {reason}"
        ) from None


_JSON_SCALARS = (str, int, float, bool, type(None))
MAX_DEPTH = 64
"""Deepest nesting of policy data or a schema (this repository's deepest is 6): the validator converts
them recursively and gives up past a few hundred levels."""


def _check_json_values(document: Any, path: Path) -> None:
    """Refuse what YAML can hold and JSON cannot (OPA reads the file as JSON data): keys that are not
    strings, dates and times, binary, infinite numbers; and nesting deeper than MAX_DEPTH."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, where = pending.pop()
        if len(where) > MAX_DEPTH:
            raise PolicyInputError(
                str(path), key_path(where[:MAX_DEPTH]), f"is nested more than {MAX_DEPTH} levels deep"
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise PolicyInputError(
                        str(path), key_path(where), f"has the key {cut(repr(key))}; expected string keys (quote it)"
                    )
                pending.append((item, (*where, key)))
        elif isinstance(value, list):
            pending.extend((item, (*where, index)) for index, item in enumerate(value))
        elif not isinstance(value, _JSON_SCALARS) or (isinstance(value, float) and not math.isfinite(value)):
            raise PolicyInputError(
                str(path),
                key_path(where),
                f"is {cut(repr(value))}; expected a JSON value (string, finite number, true/false, null, list, "
                "map): quote dates and times",
            )
