"""Spec of the network layer: the VPC and the links to other stacks (module inferfleet-vpc)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from inferfleet.spec.base import (
    MAX_BANDWIDTH_MBPS,
    MAX_CIDRS,
    MAX_HYBRID_LINKS,
    MAX_ZONES,
    STACK_NAME_PATTERN,
    DnsLabel,
    IpAddress,
    PrivateCidr,
    SpecModel,
    UnicastCidr,
)

if TYPE_CHECKING:
    from inferfleet.spec.checks import Loc, Problem
    from inferfleet.spec.model import FleetSpec


class HybridLinkSpec(SpecModel):
    """A dedicated line from an on-premises IDC into the stack's interconnect (Express Connect / Direct Connect)."""

    name: DnsLabel = Field(description="Short name of the IDC, e.g. idc-sh1.")
    access_point_id: str = Field(
        min_length=1, description="Cloud access point of the physical line, e.g. ap-cn-shanghai-nt-A."
    )
    line_operator: str = Field(min_length=1, description="Carrier of the line, e.g. CT, CU, CM, Other.")
    port_type: str = Field(default="10GBase-LR", description="Port type of the line. Default: 10GBase-LR.")
    bandwidth_mbps: int = Field(
        gt=0, le=MAX_BANDWIDTH_MBPS, description=f"Bandwidth of the line in Mbit/s (at most {MAX_BANDWIDTH_MBPS})."
    )
    vlan_id: int = Field(ge=1, le=2999, description="VLAN of the virtual interface (1-2999).")
    local_gateway_ip: IpAddress = Field(description="Cloud-side IP of the interconnect subnet.")
    peer_gateway_ip: IpAddress = Field(description="IDC-side IP of the interconnect subnet.")
    peering_subnet_mask: str = Field(
        default="255.255.255.252", description="Netmask of the interconnect subnet. Default: 255.255.255.252."
    )
    idc_cidrs: list[UnicastCidr] = Field(
        min_length=1,
        max_length=MAX_CIDRS,
        description="CIDRs of the IDC; they may reach the model ports, like peer CIDRs.",
    )
    bgp_asn: int = Field(ge=1, le=4294967295, description="BGP AS number of the IDC's router.")

    @model_validator(mode="after")
    def _two_ends(self) -> HybridLinkSpec:
        if self.peer_gateway_ip == self.local_gateway_ip:
            raise ValueError(
                f"peer_gateway_ip and local_gateway_ip are both {self.local_gateway_ip}; the two ends of the "
                "interconnect subnet need two addresses"
            )
        return self

    @field_validator("peering_subnet_mask")
    @classmethod
    def _netmask(cls, mask: str) -> str:
        try:
            ipaddress.IPv4Network(f"0.0.0.0/{mask}")
        except ValueError:
            raise ValueError(f"{mask!r} is not an IPv4 netmask, e.g. 255.255.255.252") from None
        return mask


class Network(SpecModel):
    """The stack's VPC: address space, zones and the narrow ways in."""

    cidr: PrivateCidr = Field(description="VPC CIDR, e.g. 10.20.0.0/16: a private range (RFC 1918).")
    zones: list[str] = Field(
        min_length=1, max_length=MAX_ZONES, description="Availability zones; one subnet is carved per zone."
    )
    subnet_prefix_length: int | None = Field(
        default=None,
        ge=16,
        le=28,
        description="Prefix length of each zone's subnet. Default: the VPC prefix + 4 (16 subnets).",
    )
    subnet_cidrs: dict[str, PrivateCidr] = Field(
        max_length=MAX_ZONES,
        default_factory=dict,
        description="Explicit subnet CIDR per zone, inside the VPC CIDR; other zones are carved around them. "
        "Default: none (all carved).",
    )
    nat_gateway: bool = Field(default=False, description="Create a NAT gateway + EIP for egress. Default: false.")
    ssh_cidrs: list[UnicastCidr] = Field(
        default_factory=list,
        max_length=MAX_CIDRS,
        description="CIDRs allowed to reach SSH (22). Default: none; 0.0.0.0/0 is refused.",
    )
    peer_cidrs: list[UnicastCidr] = Field(
        default_factory=list,
        max_length=MAX_CIDRS,
        description="CIDRs of linked stacks (both directions of a link) allowed to reach the model ports. "
        "Default: none; 0.0.0.0/0 is refused.",
    )
    project_id: str | None = Field(
        default=None,
        min_length=1,
        description="Huawei Cloud project id of the region; Cloud Connect needs it on both ends of a link. "
        "Default: none.",
    )
    hybrid_links: list[HybridLinkSpec] = Field(
        default_factory=list,
        max_length=MAX_HYBRID_LINKS,
        description="Dedicated lines to on-premises IDCs (alicloud, tencentcloud). Default: none.",
    )

    @field_validator("hybrid_links")
    @classmethod
    def _unique_idcs(cls, links: list[HybridLinkSpec]) -> list[HybridLinkSpec]:
        names = [link.name for link in links]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"hybrid_links names (one per IDC) must be unique, repeated: {', '.join(duplicates)}")
        return links

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, zones: list[str]) -> list[str]:
        duplicates = sorted({zone for zone in zones if zones.count(zone) > 1})
        if duplicates:
            raise ValueError(f"zones must be unique, repeated: {', '.join(duplicates)}")
        return zones


class LinkSpec(SpecModel):
    """A private cross-region link to another stack of the same cloud."""

    stack: str = Field(pattern=STACK_NAME_PATTERN, description="Name of the peer stack, e.g. prod-cn-north.")
    bandwidth_mbps: int = Field(
        gt=0, le=MAX_BANDWIDTH_MBPS, description=f"Cross-region bandwidth in Mbit/s (at most {MAX_BANDWIDTH_MBPS})."
    )
    charge_type: Literal["postpaid", "prepaid"] = Field(default="postpaid", description="Default: postpaid.")
    qos: Literal["platinum", "gold", "silver"] = Field(
        default="gold", description="Priority class of the link's traffic where the cloud offers one. Default: gold."
    )


def _field_loc(message: str) -> tuple[Loc, str]:
    """`"subnet_cidrs.cn-south-1a: ..."` (a module validation message) -> located under fleet.network."""
    field, _, text = message.partition(": ")
    return ("network", *field.split(".", 1)), text


def network_checks(fleet: FleetSpec) -> Iterator[Problem]:
    """Zones of the region, subnets that fit the VPC, one interconnect per stack, IDC lines where offered."""
    from inferfleet_vpc import HYBRID_LINK_CLOUDS, carve_subnets, validate_zones

    network = fleet.network
    for index, zone in enumerate(network.zones):
        try:
            validate_zones(fleet.cloud, fleet.region, [zone])
        except ValueError as exc:
            yield ("network", "zones", index), _field_loc(str(exc))[1]
    try:
        carve_subnets(
            str(network.cidr),
            network.zones,
            prefix_length=network.subnet_prefix_length,
            explicit={zone: str(cidr) for zone, cidr in network.subnet_cidrs.items()},
        )
    except ValueError as exc:
        yield _field_loc(str(exc))
    for index, cidr in enumerate(network.peer_cidrs):
        if cidr.overlaps(network.cidr):
            yield ("network", "peer_cidrs", index), f"{cidr} overlaps the VPC CIDR {network.cidr}"
    for line_index, line in enumerate(network.hybrid_links):
        for index, cidr in enumerate(line.idc_cidrs):
            if cidr.overlaps(network.cidr):
                yield (
                    ("network", "hybrid_links", line_index, "idc_cidrs", index),
                    f"{cidr} overlaps the VPC CIDR {network.cidr}; the IDC's address space must be disjoint",
                )
    if network.hybrid_links and fleet.cloud not in HYBRID_LINK_CLOUDS:
        yield (
            ("network", "hybrid_links"),
            f"not supported on {fleet.cloud} (supported: {', '.join(HYBRID_LINK_CLOUDS)})",
        )
    for index, link in enumerate(fleet.links[1:], start=1):
        first = fleet.links[0]
        for key in ("charge_type", "qos"):
            if getattr(link, key) != getattr(first, key):
                yield (
                    ("links", index, key),
                    f"{getattr(link, key)!r} differs from links[0].{key} {getattr(first, key)!r}; "
                    "a stack's links share one interconnect and so one billing and priority class",
                )
