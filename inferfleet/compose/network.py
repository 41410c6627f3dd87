"""The network layer of a fleet: the stack's VPC (module inferfleet-vpc) and its links."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pulumi

from inferfleet.compose.providers import cloud_provider
from inferfleet.spec.model import FleetSpec

if TYPE_CHECKING:
    from inferfleet_vpc import Interconnect, Vpc


@dataclass(frozen=True)
class NetworkLayer:
    """What the rest of the fleet needs from the network."""

    vpc_id: pulumi.Input[str] | None = None
    vpc_cidr: str = ""
    subnet_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Subnet (vswitch) id per zone."""
    security_group_id: pulumi.Input[str] | None = None
    subnet_cidrs: Mapping[str, str] = field(default_factory=dict)
    """Subnet CIDR per zone, carved from the VPC CIDR."""
    route_table_id: pulumi.Input[str | None] = None
    """The VPC's main route table (None on huaweicloud)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs of this layer (vpc_id, vpc_cidr, subnet_ids, ...); siblings read them by StackReference."""


def compose_network(
    fleet: FleetSpec, *, stack: str, provider: pulumi.ProviderResource, tags: Mapping[str, str]
) -> NetworkLayer:
    """The stack's Vpc, and one Interconnect for its links and IDC lines (when it has any)."""
    from inferfleet_vpc import Vpc, VpcArgs

    network = fleet.network
    protect = fleet.env == "prod"
    idc_cidrs = [str(cidr) for line in network.hybrid_links for cidr in line.idc_cidrs]
    vpc_args = VpcArgs(
        cloud=fleet.cloud,
        region=fleet.region,
        cidr=str(network.cidr),
        zones=tuple(network.zones),
        subnet_prefix_length=network.subnet_prefix_length,
        subnet_cidrs={zone: str(cidr) for zone, cidr in network.subnet_cidrs.items()},
        model_ports=tuple(sorted({service.model.port for service in fleet.services})),
        ssh_cidrs=tuple(str(cidr) for cidr in network.ssh_cidrs),
        peer_cidrs=tuple(dict.fromkeys([*map(str, network.peer_cidrs), *idc_cidrs])),
        nat_gateway=network.nat_gateway,
        tags=dict(tags),
        protect=protect,
    )
    vpc = Vpc(stack, vpc_args, opts=pulumi.ResourceOptions(provider=provider))
    outputs: dict[str, Any] = {
        "vpc_id": vpc.vpc_id,
        "vpc_cidr": vpc.vpc_cidr,
        "subnet_ids": vpc.subnet_ids,
        "subnet_cidrs": vpc.subnet_cidrs,
        "security_group_id": vpc.security_group_id,
        "route_table_id": vpc.route_table_id,
    }
    if network.project_id is not None:
        outputs["project_id"] = network.project_id
    if fleet.links or network.hybrid_links:
        interconnect = _compose_interconnect(fleet, stack=stack, vpc=vpc, provider=provider, tags=tags, protect=protect)
        outputs["interconnect_id"] = interconnect.interconnect_id
        outputs["link_attachment_ids"] = interconnect.attachment_ids
    return NetworkLayer(
        vpc_id=vpc.vpc_id,
        vpc_cidr=vpc_args.cidr,
        subnet_ids=vpc.subnet_ids,
        security_group_id=vpc.security_group_id,
        subnet_cidrs=vpc.subnet_cidrs,
        route_table_id=vpc.route_table_id,
        outputs=outputs,
    )


def _compose_interconnect(
    fleet: FleetSpec,
    *,
    stack: str,
    vpc: Vpc,
    provider: pulumi.ProviderResource,
    tags: Mapping[str, str],
    protect: bool,
) -> Interconnect:
    """Peers arrive through StackReferences (offline: from the sibling stacks' own plans)."""
    from inferfleet_vpc import (
        HybridLinkArgs,
        Interconnect,
        InterconnectArgs,
        NetworkEndArgs,
        PeerLinkArgs,
        needs_peer_providers,
    )

    peers: list[PeerLinkArgs] = []
    peer_providers: dict[str, pulumi.ProviderResource] = {}
    for link in fleet.links:
        reference = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{link.stack}")
        region = reference.require_output("region")
        peers.append(
            PeerLinkArgs(
                peer=NetworkEndArgs(
                    name=link.stack,
                    region=region,
                    vpc_id=reference.require_output("vpc_id"),
                    cidr=reference.require_output("vpc_cidr"),
                    subnet_ids=reference.require_output("subnet_ids").apply(lambda ids: list(ids.values())),
                    route_table_id=reference.get_output("route_table_id"),
                    project_id=reference.get_output("project_id"),
                ),
                bandwidth_mbps=link.bandwidth_mbps,
            )
        )
        if needs_peer_providers(fleet.cloud):
            # The provider takes the region as an input; the peer's stack output is that input.
            peer_providers[link.stack] = cloud_provider(
                fleet.cloud, cast(str, region), name=f"{fleet.cloud}-{link.stack}"
            )
    network = fleet.network
    args = InterconnectArgs(
        cloud=fleet.cloud,
        local=NetworkEndArgs(
            name=stack,
            region=fleet.region,
            vpc_id=vpc.vpc_id,
            cidr=vpc.vpc_cidr,
            subnet_ids=list(vpc.subnet_ids.values()),
            route_table_id=vpc.route_table_id,
            project_id=network.project_id,
        ),
        peers=tuple(peers),
        hybrid_links=tuple(
            HybridLinkArgs(
                name=line.name,
                access_point_id=line.access_point_id,
                line_operator=line.line_operator,
                port_type=line.port_type,
                bandwidth_mbps=line.bandwidth_mbps,
                vlan_id=line.vlan_id,
                local_gateway_ip=str(line.local_gateway_ip),
                peer_gateway_ip=str(line.peer_gateway_ip),
                peering_subnet_mask=line.peering_subnet_mask,
                idc_cidrs=tuple(str(cidr) for cidr in line.idc_cidrs),
                bgp_asn=line.bgp_asn,
            )
            for line in network.hybrid_links
        ),
        tags=dict(tags),
        protect=protect,
    )
    if fleet.links:
        # One interconnect per stack: checks made every link agree on billing and priority.
        args = dataclasses.replace(args, charge_type=fleet.links[0].charge_type, qos=fleet.links[0].qos)
    return Interconnect(
        f"{stack}-links", args, opts=pulumi.ResourceOptions(provider=provider), peer_providers=peer_providers
    )
