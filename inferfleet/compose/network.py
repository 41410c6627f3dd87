"""The network layer of a fleet: the stack's VPC (module inferfleet-vpc) and its links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from inferfleet.spec.model import FleetSpec


@dataclass(frozen=True)
class NetworkLayer:
    """What the rest of the fleet needs from the network."""

    vpc_id: pulumi.Input[str] | None = None
    vpc_cidr: str = ""
    subnet_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Subnet (vswitch) id per zone."""
    security_group_id: pulumi.Input[str] | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs of this layer (vpc_id, vpc_cidr, subnet_ids, ...); siblings read them by StackReference."""


def compose_network(
    fleet: FleetSpec, *, stack: str, provider: pulumi.ProviderResource, tags: Mapping[str, str]
) -> NetworkLayer:
    # Filled in by modules/vpc (issue 3).
    del stack, provider, tags
    return NetworkLayer(vpc_cidr=str(fleet.network.cidr))
