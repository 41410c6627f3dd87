"""A stack's topology read from its plan: region, VPC, subnets, links, GPU pools, services.

Everything comes from what the modules' components registered as outputs (and the resources
under them), so the picture describes the plan that the gate and the diff see, not the spec.
`compare` lays a base and a head topology side by side and marks each element added, removed,
replaced or changed, so a picture of a diff can colour them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

VPC_TYPE = "inferfleet:vpc:Vpc"
INTERCONNECT_TYPE = "inferfleet:vpc:Interconnect"
POOL_TYPE = "inferfleet:gpu_instance:GpuPool"
SERVICE_TYPE = "inferfleet:inference_service:InferenceService"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
REPLICATED_KINDS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet")
TRACK_LABEL = "inferfleet.io/track"


class Status(StrEnum):
    """What a change does to one element of the picture."""

    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    REPLACED = "replaced"


@dataclass(frozen=True)
class Subnet:
    zone: str
    cidr: str | None


@dataclass(frozen=True)
class Link:
    """A private link to another stack's VPC or to an IDC line."""

    peer: str
    kind: str  # "stack" or "idc"
    bandwidth_mbps: int | None


@dataclass(frozen=True)
class Pool:
    name: str
    accelerator: str | None
    flavor: str | None
    placement: str | None
    nodes: int | None
    accelerators_per_node: int | None

    @property
    def accelerators(self) -> int | None:
        if self.nodes is None or self.accelerators_per_node is None:
            return None
        return self.nodes * self.accelerators_per_node


@dataclass(frozen=True)
class Service:
    name: str
    pool: str | None
    placement: str | None
    replicas: int | None
    canary_stage: int | None
    canary_weight: int | None


@dataclass(frozen=True)
class Topology:
    stack: str
    cloud: str | None
    region: str | None
    vpc_cidr: str | None
    subnets: tuple[Subnet, ...] = ()
    links: tuple[Link, ...] = ()
    pools: tuple[Pool, ...] = ()
    services: tuple[Service, ...] = ()
    urns: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    """Element key -> the URNs it stands for (its component and everything below it that no nearer component owns)."""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


MAX_COUNT = 10**9
"""Largest count drawn (nodes, replicas, bandwidth); a larger one is shown as unknown. Two of them
multiply (accelerators = nodes x per node) into a number that can still be written as text."""


def _count(value: Any) -> int | None:
    # bool is an int in Python; a count never is one.
    if isinstance(value, int) and not isinstance(value, bool) and -MAX_COUNT <= value <= MAX_COUNT:
        return value
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _owned(resources: Iterable[Mapping[str, Any]], components: set[str]) -> dict[str, set[str]]:
    """Component URN -> the URNs it stands for: itself and every resource whose nearest component
    ancestor it is (a component nested in another stands for its own subtree, not the outer one).

    Linear in the plan: each URN's owner is found once and remembered, so a parent chain is walked
    once. (Every component's whole descendant set was quadratic in a chain of nested components:
    5,000 chained pools took 5.7 s and 690 MB.) A parent cycle, which no real plan has, owns nothing."""
    parent_of = {str(r["urn"]): r.get("parent") for r in resources}
    owner: dict[str, str | None] = {urn: urn for urn in components}
    for urn in parent_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = urn
        while node is not None and node not in owner and node not in on_path:
            path.append(node)
            on_path.add(node)
            parent = parent_of.get(node)
            node = parent if isinstance(parent, str) else None
        found = owner.get(node) if node is not None else None
        for walked in path:
            owner[walked] = found
    owned: dict[str, set[str]] = {urn: set() for urn in components}
    for urn, component in owner.items():
        if component is not None:
            owned[component].add(urn)
    return owned


def _stable_replicas(service_urns: set[str], by_urn: Mapping[str, Mapping[str, Any]]) -> int | None:
    """Replicas of the service's stable track (its canary track's pods are not counted)."""
    counts = []
    for urn in sorted(service_urns):
        resource = by_urn[urn]
        inputs = _mapping(resource.get("inputs"))
        track = _mapping(_mapping(inputs.get("metadata")).get("labels")).get(TRACK_LABEL)
        if resource.get("type") in REPLICATED_KINDS and track != "canary":
            counts.append(_count(_mapping(inputs.get("spec")).get("replicas")))
    known = [count for count in counts if count is not None]
    return sum(known) if known else None


def topology(plan: Mapping[str, Any]) -> Topology:
    """The topology a plan document describes."""
    resources = [r for r in plan.get("resources", []) if isinstance(r, Mapping) and isinstance(r.get("urn"), str)]
    by_urn = {str(r["urn"]): r for r in resources}
    drawn_types = {VPC_TYPE, INTERCONNECT_TYPE, POOL_TYPE, SERVICE_TYPE}
    owned = _owned(resources, {str(r["urn"]) for r in resources if r.get("type") in drawn_types})
    stack = str(plan.get("stack", ""))
    vpc_cidr: str | None = None
    subnets: dict[str, Subnet] = {}
    links: dict[str, Link] = {}
    pools: list[Pool] = []
    services: list[Service] = []
    urns: dict[tuple[str, str], frozenset[str]] = {}
    peer_stacks = {
        str(r.get("name", "")).rsplit("/", 1)[-1] for r in resources if r.get("type") == STACK_REFERENCE_TYPE
    }
    stack_services = _mapping(_mapping(plan.get("outputs")).get("services"))
    for resource in resources:
        kind, urn, outputs = resource.get("type"), str(resource["urn"]), _mapping(resource.get("outputs"))
        if kind == VPC_TYPE:
            vpc_cidr = _text(outputs.get("vpc_cidr"))
            urns[("vpc", "vpc")] = frozenset(owned[urn])
            for zone, cidr in sorted(_mapping(outputs.get("subnet_cidrs")).items()):
                subnets[zone] = Subnet(zone=zone, cidr=_text(cidr))
        elif kind == INTERCONNECT_TYPE:
            bandwidths = _mapping(outputs.get("bandwidths_mbps"))
            for end in sorted(_mapping(outputs.get("attachment_ids"))):
                if end == stack:
                    continue
                links[end] = Link(
                    peer=end,
                    kind="stack" if end in peer_stacks else "idc",
                    bandwidth_mbps=_count(bandwidths.get(end)),
                )
                urns[("link", end)] = frozenset(u for u in owned[urn] if end in u.rsplit("::", 1)[-1])
        elif kind == POOL_TYPE:
            name = str(resource.get("name"))
            pools.append(
                Pool(
                    name=name,
                    accelerator=_text(outputs.get("accelerator")),
                    flavor=_text(outputs.get("flavor")),
                    placement=_text(outputs.get("placement")),
                    nodes=_count(outputs.get("nodes")),
                    accelerators_per_node=_count(outputs.get("accelerators_per_node")),
                )
            )
            urns[("pool", name)] = frozenset(owned[urn])
        elif kind == SERVICE_TYPE:
            name = str(resource.get("name"))
            exported = _mapping(stack_services.get(name))
            service_urns = owned[urn]
            services.append(
                Service(
                    name=name,
                    pool=_text(outputs.get("pool")) or _text(exported.get("pool")),
                    placement=_text(outputs.get("placement")) or _text(exported.get("placement")),
                    replicas=_count(outputs.get("replicas")) or _stable_replicas(service_urns, by_urn),
                    canary_stage=_count(outputs.get("canary_stage")),
                    canary_weight=_count(outputs.get("canary_weight")),
                )
            )
            urns[("service", name)] = frozenset(service_urns)
    for peer in sorted(peer_stacks - set(links)):
        links[peer] = Link(peer=peer, kind="stack", bandwidth_mbps=None)
    services.extend(_unit_services(stack_services, {service.name for service in services}, pools))
    return Topology(
        stack=stack,
        cloud=_text(plan.get("cloud")),
        region=_text(plan.get("region")),
        vpc_cidr=vpc_cidr,
        subnets=tuple(subnets[zone] for zone in sorted(subnets)),
        links=tuple(links[peer] for peer in sorted(links)),
        pools=tuple(sorted(pools, key=lambda pool: pool.name)),
        services=tuple(sorted(services, key=lambda service: service.name)),
        urns=urns,
    )


def _unit_services(stack_services: Mapping[str, Any], composed: set[str], pools: list[Pool]) -> list[Service]:
    """Services that run as a systemd unit on a pool's VMs: no component, one replica per node.

    They appear only in the stack outputs (`services.<name>.pool`), so they are read from there.
    """
    nodes = {pool.name: pool.nodes for pool in pools}
    found = []
    for name, values in sorted(stack_services.items()):
        pool = _mapping(values).get("pool")
        if name in composed or not isinstance(pool, str):
            continue
        found.append(
            Service(
                name=str(name),
                pool=pool,
                placement=_text(_mapping(values).get("placement")),
                replicas=nodes.get(pool),
                canary_stage=None,
                canary_weight=None,
            )
        )
    return found


def elements(view: Topology) -> dict[tuple[str, str], object]:
    """Every element of the picture by a key stable across base and head."""
    # A side without a VPC (a stack the change deletes has no resources) has no VPC element: removed, not changed.
    found: dict[tuple[str, str], object] = {("vpc", "vpc"): view.vpc_cidr} if view.vpc_cidr is not None else {}
    found.update({("subnet", subnet.zone): subnet for subnet in view.subnets})
    found.update({("link", link.peer): link for link in view.links})
    found.update({("pool", pool.name): pool for pool in view.pools})
    found.update({("service", service.name): service for service in view.services})
    return found


def compare(
    base: Topology | None, head: Topology, *, replaced_urns: frozenset[str] = frozenset()
) -> dict[tuple[str, str], Status]:
    """The status of every element of base and head: what the change does to it.

    An element is replaced when any resource it stands for is in `replaced_urns` (the diff's
    replacements), changed when its values differ, added or removed when only one side has it.
    """
    before = elements(base) if base is not None else {}
    after = elements(head)
    statuses: dict[tuple[str, str], Status] = {}
    for key in sorted(set(before) | set(after)):
        if key not in before:
            statuses[key] = Status.ADDED
        elif key not in after:
            statuses[key] = Status.REMOVED
        elif head.urns.get(key, frozenset()) & replaced_urns:
            statuses[key] = Status.REPLACED
        elif before[key] != after[key]:
            statuses[key] = Status.CHANGED
        else:
            statuses[key] = Status.SAME
    return statuses


def merged(base: Topology | None, head: Topology) -> Topology:
    """Head's topology plus what only base had (so removed elements can be drawn)."""
    if base is None:
        return head

    def union(head_items: tuple[Any, ...], base_items: tuple[Any, ...], key: str) -> tuple[Any, ...]:
        present = {getattr(item, key) for item in head_items}
        extra = tuple(item for item in base_items if getattr(item, key) not in present)
        return tuple(sorted(head_items + extra, key=lambda item: str(getattr(item, key))))

    return dataclasses.replace(
        head,
        vpc_cidr=head.vpc_cidr or base.vpc_cidr,
        subnets=union(head.subnets, base.subnets, "zone"),
        links=union(head.links, base.links, "peer"),
        pools=union(head.pools, base.pools, "name"),
        services=union(head.services, base.services, "name"),
    )
