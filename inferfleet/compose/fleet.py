"""Compose a stack's fleet from its validated spec: provider, network, GPU pools, services.

The order is the data flow: services first render the host parts VM-placed servers need
(a systemd unit in cloud-init), so pools are created with their final user-data; the
network's ids feed the pools; the pools' cluster and node labels feed the services.
"""

from __future__ import annotations

from typing import Any

import pulumi

from inferfleet.compose.compute import compose_pools
from inferfleet.compose.network import compose_network
from inferfleet.compose.providers import cloud_provider
from inferfleet.compose.serving import compose_services, config_secret, vm_host_extras
from inferfleet.compose.tags import fleet_tags
from inferfleet.spec.model import FleetSpec


def compose_fleet(fleet: FleetSpec, *, stack: str) -> dict[str, Any]:
    """Register the fleet's resources and return the stack outputs to export."""
    provider = cloud_provider(fleet.cloud, fleet.region)
    tags = fleet_tags(fleet, stack)
    network = compose_network(fleet, stack=stack, provider=provider, tags=tags)
    compute = compose_pools(
        fleet,
        stack=stack,
        provider=provider,
        network=network,
        tags=tags,
        host_extras=vm_host_extras(fleet, secret_value=config_secret),
    )
    serving = compose_services(fleet, stack=stack, compute=compute, tags=tags)
    return {
        "cloud": fleet.cloud,
        "region": fleet.region,
        "stack_version": fleet.version,
        **network.outputs,
        **compute.outputs,
        **serving.outputs,
    }


def export_outputs(outputs: dict[str, Any]) -> None:
    for key in sorted(outputs):
        pulumi.export(key, outputs[key])
