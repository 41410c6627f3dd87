"""The stack spec: typed model, loading with located errors, cross-field checks."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inferfleet.spec.load import StackConfig, list_stacks, load_stack, parse_fleet
    from inferfleet.spec.model import FleetSpec

__all__ = ["FleetSpec", "StackConfig", "list_stacks", "load_stack", "parse_fleet"]

_HOMES = {
    "FleetSpec": "inferfleet.spec.model",
    "StackConfig": "inferfleet.spec.load",
    "list_stacks": "inferfleet.spec.load",
    "load_stack": "inferfleet.spec.load",
    "parse_fleet": "inferfleet.spec.load",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use: a command that only needs the spec's vocabulary (inferfleet.spec.base, e.g.
    # the gate's --env/--cloud choices) does not pay for the models and the cross-field checks.
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
