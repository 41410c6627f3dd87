"""Declared outputs and deprecations of the modules' components (stdlib and Pulumi only).

Each component declares its outputs once, as a dataclass of fields (`field(metadata=doc(...))`, as
for inputs) that the component class inherits: the fields are the component's attributes,
`register_declared` registers exactly them, and the toolkit derives the README table and the
module's public API from the same fields.
An input field or an output may be deprecated (`removed_in`, `use`); `warn_deprecated` tells a
program that sets a deprecated input, with a FutureWarning that carries the facts as data.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pulumi

DEPRECATED = "deprecated"
"""Field metadata key of a deprecation: {"removed_in": version, "use": what to use instead}."""


def doc(text: str, *, removed_in: str | None = None, use: str | None = None) -> dict[str, Any]:
    """Field metadata: the description, and a deprecation when `removed_in` is given."""
    metadata: dict[str, Any] = {"doc": text}
    if removed_in is not None:
        metadata[DEPRECATED] = {"removed_in": removed_in, "use": use or ""}
    return metadata


def register_declared(component: pulumi.ComponentResource) -> None:
    """Register exactly the declared outputs, each read from the attribute of the same name.

    An output the component forgot to set is an AttributeError naming it, not a silently missing key.
    """
    values = {}
    for declared in dataclasses.fields(component):  # type: ignore[arg-type]
        if declared.name not in vars(component):
            raise AttributeError(f"{type(component).__name__} did not set its declared output {declared.name!r}")
        values[declared.name] = vars(component)[declared.name]
    component.register_outputs(values)


class DeprecatedInputWarning(FutureWarning):
    """A program set a deprecated input; `details` holds module, field path, removed_in and use."""

    def __init__(self, details: dict[str, str]) -> None:
        use = f"; use {details['use']}" if details["use"] else ""
        super().__init__(
            f"{details['module']}: {details['field']} is deprecated and will be removed in {details['removed_in']}{use}"
        )
        self.details = details


def warn_deprecated(args: Any, module: str) -> None:
    """Warn once per deprecated input `args` (a frozen args dataclass, nested ones too) sets to a non-default."""
    for path, declared in _set_fields(args, type(args).__name__):
        deprecation = declared.metadata[DEPRECATED]
        details = {"module": module, "field": path, "removed_in": deprecation["removed_in"], "use": deprecation["use"]}
        warnings.warn(DeprecatedInputWarning(details), stacklevel=3)


def _set_fields(value: Any, path: str) -> list[tuple[str, dataclasses.Field[Any]]]:
    found: list[tuple[str, dataclasses.Field[Any]]] = []
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return found
    for declared in dataclasses.fields(value):
        current = getattr(value, declared.name)
        if DEPRECATED in declared.metadata and not _is_default(declared, current):
            found.append((f"{path}.{declared.name}", declared))
        items = current if isinstance(current, tuple | list) else (current,)
        for index, item in enumerate(items):
            suffix = f"[{index}]" if items is current else ""
            found += _set_fields(item, f"{path}.{declared.name}{suffix}")
    return found


def _is_default(declared: dataclasses.Field[Any], value: Any) -> bool:
    if declared.default is not dataclasses.MISSING:
        return bool(value == declared.default)
    if declared.default_factory is not dataclasses.MISSING:
        return bool(value == declared.default_factory())
    return False
