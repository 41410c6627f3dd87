"""Composition: the one description of a fleet, from a validated spec to module components."""

from inferfleet.compose.fleet import compose_fleet

__all__ = ["compose_fleet"]
