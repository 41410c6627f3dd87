"""The compute layer of a fleet: one GpuPool (module inferfleet-gpu-instance) per spec pool."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from inferfleet.compose.network import NetworkLayer
from inferfleet.spec.model import FleetSpec


@dataclass(frozen=True)
class ComputeLayer:
    pools: Mapping[str, Any] = field(default_factory=dict)
    """The GpuPool component of each pool, by pool name."""
    outputs: dict[str, Any] = field(default_factory=dict)


def compose_pools(
    fleet: FleetSpec,
    *,
    stack: str,
    provider: pulumi.ProviderResource,
    network: NetworkLayer,
    tags: Mapping[str, str],
    host_extras: Mapping[str, Mapping[str, Any]],
) -> ComputeLayer:
    """`host_extras`: extra cloud-config (write_files, runcmd) per pool name, e.g. a service's systemd unit."""
    # Filled in by modules/gpu_instance (issue 4).
    del fleet, stack, provider, network, tags, host_extras
    return ComputeLayer()
