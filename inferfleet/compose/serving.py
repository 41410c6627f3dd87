"""The serving layer of a fleet: inference services (module inferfleet-inference-service)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inferfleet.compose.compute import ComputeLayer
from inferfleet.spec.model import FleetSpec


@dataclass(frozen=True)
class ServingLayer:
    services: Mapping[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


def vm_host_extras(fleet: FleetSpec) -> dict[str, dict[str, Any]]:
    """Cloud-config parts (write_files, runcmd) per pool for services that run as systemd units on VMs."""
    # Filled in by modules/inference_service (issue 5).
    del fleet
    return {}


def compose_services(
    fleet: FleetSpec, *, stack: str, compute: ComputeLayer, tags: Mapping[str, str]
) -> ServingLayer:
    # Filled in by modules/inference_service (issue 5).
    del fleet, stack, compute, tags
    return ServingLayer()
