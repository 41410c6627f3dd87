"""The stack spec: typed model, loading with located errors, cross-field checks."""

from inferfleet.spec.load import StackConfig, list_stacks, load_stack, parse_fleet
from inferfleet.spec.model import FleetSpec

__all__ = ["FleetSpec", "StackConfig", "list_stacks", "load_stack", "parse_fleet"]
