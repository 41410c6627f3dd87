"""Property-level differences between two input trees, at readable nested paths.

Paths look like `spec.template.spec.containers[name=server].image`: object keys joined by dots
(quoted in brackets when they are not plain names, e.g. `metadata.annotations["inferfleet.io/canary"]`),
list items matched by a key (`name`, `zone`, `cidr`, ...) when every item has a distinct one, by
position otherwise. Values come from plans, so secrets are already masked and unknowns marked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from inferfleet.diff.model import PropertyChange

LIST_KEYS = (
    "name",
    "key",
    "zone",
    "availabilityZone",
    "cidr",
    "cidrBlock",
    "mountPath",
    "containerPort",
    "port",
    "path",
    "id",
    "uuid",
)
"""Keys that identify a list item, in order of preference."""

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SELECTOR = re.compile(r"\[[^\]]*\]")
_MISSING: Any = None  # an absent property is written as null on its side


def child_path(path: str, key: str) -> str:
    segment = key if _PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key, ensure_ascii=False)}]"
    if not path:
        return segment
    return f"{path}{segment}" if segment.startswith("[") else f"{path}.{segment}"


def schema_path(path: str) -> str:
    """A diff path as a schema property path: `dataVolumes[0].size` -> `dataVolumes.size`."""
    return _SELECTOR.sub("", path)


def _item_key(before: list[Any], after: list[Any]) -> str | None:
    for key in LIST_KEYS:
        for items in (before, after):
            if not items or not all(isinstance(i, dict) and isinstance(i.get(key), str | int) for i in items):
                break
            if len({i[key] for i in items}) != len(items):
                break
        else:
            return key
    return None


def _changes(before: Any, after: Any, path: str) -> Iterator[PropertyChange]:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            yield from _changes(before.get(key, _MISSING), after.get(key, _MISSING), child_path(path, key))
        return
    if isinstance(before, list) and isinstance(after, list):
        key = _item_key(before, after)
        if key is None:
            for index in range(max(len(before), len(after))):
                old = before[index] if index < len(before) else _MISSING
                new = after[index] if index < len(after) else _MISSING
                yield from _changes(old, new, f"{path}[{index}]")
            return
        old_items = {item[key]: item for item in before}
        new_items = {item[key]: item for item in after}
        order = [item[key] for item in before] + [item[key] for item in after if item[key] not in old_items]
        for value in order:
            yield from _changes(
                old_items.get(value, _MISSING), new_items.get(value, _MISSING), f"{path}[{key}={value}]"
            )
        return
    yield {"path": path, "before": before, "after": after}


def property_changes(before: dict[str, Any], after: dict[str, Any]) -> list[PropertyChange]:
    """Every leaf (or added/removed subtree) that differs between two input objects, in a stable order."""
    return list(_changes(before, after, ""))


def covers(pattern: str, path: str) -> bool:
    """Whether a property pattern (`spec.selector`, `tags`, `*`) names `path` or something above or below it."""
    if pattern == "*":
        return True
    plain = schema_path(path)
    pattern = schema_path(pattern.replace("[*]", ""))
    return plain == pattern or plain.startswith(pattern + ".") or pattern.startswith(plain + ".")
