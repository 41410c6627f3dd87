"""Spec of the network layer: the VPC and the links to other stacks (module inferfleet-vpc)."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from inferfleet.spec.base import SpecModel


class Network(SpecModel):
    """The stack's VPC: address space, zones and the narrow ways in."""

    cidr: ipaddress.IPv4Network = Field(description="VPC CIDR, e.g. 10.20.0.0/16.")
    zones: list[str] = Field(min_length=1, description="Availability zones; one subnet is carved per zone.")
    subnet_prefix_length: int | None = Field(
        default=None,
        ge=16,
        le=28,
        description="Prefix length of each zone's subnet. Default: the VPC prefix + 4 (16 subnets).",
    )
    nat_gateway: bool = Field(default=False, description="Create a NAT gateway + EIP for egress. Default: false.")
    ssh_cidrs: list[ipaddress.IPv4Network] = Field(
        default_factory=list,
        description="CIDRs allowed to reach SSH (22). Default: none; 0.0.0.0/0 is refused.",
    )

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, zones: list[str]) -> list[str]:
        duplicates = sorted({zone for zone in zones if zones.count(zone) > 1})
        if duplicates:
            raise ValueError(f"zones must be unique, repeated: {', '.join(duplicates)}")
        return zones

    @field_validator("ssh_cidrs")
    @classmethod
    def _no_world_ssh(cls, cidrs: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
        if any(cidr.prefixlen == 0 for cidr in cidrs):
            raise ValueError("SSH must never be open to 0.0.0.0/0; list the admin CIDRs instead")
        return cidrs


class LinkSpec(SpecModel):
    """A private cross-region link to another stack of the same cloud."""

    stack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Name of the peer stack, e.g. prod-cn-north.")
    bandwidth_mbps: int = Field(gt=0, description="Cross-region bandwidth in Mbit/s.")
    charge_type: Literal["postpaid", "prepaid"] = Field(default="postpaid", description="Default: postpaid.")
    qos: Literal["platinum", "gold", "silver"] = Field(
        default="gold", description="Priority class of the link's traffic where the cloud offers one. Default: gold."
    )
