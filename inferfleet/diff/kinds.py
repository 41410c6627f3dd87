"""What kind of thing a resource type is, for the diff's loud flags: stateful types and GPU capacity.

The data is resource_kinds.json beside this file. A GPU compute resource's capacity is its node
count times the accelerators per node of its flavor, from the accelerator catalog of
inferfleet-gpu-instance; a group whose flavor lives on a sibling (its launch configuration) takes it
from there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from inferfleet.plan.model import Plan, PlanResource

KINDS_FILE = Path(__file__).with_name("resource_kinds.json")


@dataclass(frozen=True)
class Kind:
    stateful: str | None
    nodes: int | tuple[str, ...] | None
    flavor: tuple[str, ...]


@dataclass(frozen=True)
class Capacity:
    """A GPU compute resource's accelerators: `nodes` nodes of `per_node` `accelerator`s."""

    nodes: int
    per_node: int
    accelerator: str

    @property
    def accelerators(self) -> int:
        return self.nodes * self.per_node


@cache
def kinds() -> Mapping[str, Kind]:
    document = json.loads(KINDS_FILE.read_text())
    table: dict[str, Kind] = {}
    for type_, entry in document["types"].items():
        nodes = entry.get("nodes")
        table[type_] = Kind(
            stateful=entry.get("stateful"),
            nodes=nodes if isinstance(nodes, int) or nodes is None else tuple(nodes),
            flavor=tuple(entry.get("flavor", ())),
        )
    return table


MAX_COUNT_DIGITS = 18
"""A node count written as a string has at most this many digits (it fits in 64 bits)."""


def value_at(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted input path (`scalingConfig.desiredSize`, `instanceTypes.0`), or None."""
    node: Any = inputs
    for segment in path.split("."):
        if isinstance(node, dict):
            node = node.get(segment)
        elif isinstance(node, list) and segment.isascii() and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return None
    return node


def _first(inputs: Mapping[str, Any], paths: tuple[str, ...]) -> Any:
    for path in paths:
        value = value_at(inputs, path)
        if value is not None:
            return value
    return None


def _node_count(kind: Kind, inputs: Mapping[str, Any]) -> int | None:
    if isinstance(kind.nodes, int):
        return kind.nodes
    value = _first(inputs, kind.nodes or ())
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # Some SDKs type counts as strings. ASCII digits only: str.isdigit also holds for "²", which int()
    # refuses; and a count, not an integer longer than Python reads (the plan is untrusted).
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_COUNT_DIGITS:
        return int(value)
    return None


def flavor_of(resource: PlanResource) -> str | None:
    kind = kinds().get(resource["type"])
    value = _first(resource["inputs"], kind.flavor) if kind else None
    return value if isinstance(value, str) else None


@cache
def _accelerators_by_flavor(cloud: str) -> Mapping[str, tuple[int, str]]:
    """Flavor -> (accelerators per node, accelerator model) of a cloud, from the accelerator catalog."""
    from inferfleet_gpu_instance import load_catalog

    table: dict[str, tuple[int, str]] = {}
    for offering in load_catalog().offerings_list:
        if offering.cloud == cloud:
            table.setdefault(offering.flavor, (offering.accelerators_per_node, offering.accelerator))
    return table


def capacities(plan: Plan) -> dict[str, Capacity]:
    """URN -> capacity of every GPU compute resource in a plan whose node count and flavor are known."""
    resources = plan["resources"]
    sibling_flavor: dict[str | None, str] = {}
    for resource in resources:
        kind = kinds().get(resource["type"])
        if kind is not None and kind.nodes is None and kind.flavor:
            flavor = flavor_of(resource)
            if flavor is not None:
                sibling_flavor.setdefault(resource["parent"], flavor)
    found: dict[str, Capacity] = {}
    for resource in resources:
        kind = kinds().get(resource["type"])
        if kind is None or kind.nodes is None:
            continue
        nodes = _node_count(kind, resource["inputs"])
        flavor = flavor_of(resource) or sibling_flavor.get(resource["parent"])
        offering = _accelerators_by_flavor(plan["cloud"]).get(flavor or "")
        if nodes is not None and offering is not None:
            found[resource["urn"]] = Capacity(nodes=nodes, per_node=offering[0], accelerator=offering[1])
    return found
