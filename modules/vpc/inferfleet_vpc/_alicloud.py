"""Alibaba Cloud: VPC, vswitches, security group, NAT; CEN and Express Connect for links."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import pulumi
import pulumi_alicloud as ali

from inferfleet_vpc._cloud import BuiltInterconnect, BuiltNetwork, Children
from inferfleet_vpc.args import HybridLinkArgs, InterconnectArgs, NetworkEndArgs, Rule, VpcArgs

PAYMENT_TYPES = {"postpaid": "PostPaid", "prepaid": "PrePaid"}
"""CEN bandwidth package `payment_type` per spec charge type."""

GEOGRAPHIC_REGIONS = {"cn-": "China", "ap-": "Asia-Pacific", "eu-": "Europe", "us-": "North-America"}
"""CEN geographic region of a region code, by prefix."""

NAT_EIP_MBPS = "100"


def geographic_region(region: str) -> str:
    for prefix, area in GEOGRAPHIC_REGIONS.items():
        if region.startswith(prefix):
            return area
    raise ValueError(f"region: {region!r} is in no CEN geographic region known here")


class AliCloud:
    def network(self, name: str, args: VpcArgs, children: Children) -> BuiltNetwork:
        vpc = ali.vpc.Network(
            f"{name}-vpc", vpc_name=name, cidr_block=args.cidr, tags=dict(args.tags), opts=children.opts()
        )
        return BuiltNetwork(vpc=vpc, route_table_id=vpc.route_table_id)

    def subnet(
        self,
        name: str,
        *,
        vpc: pulumi.CustomResource,
        zone: str,
        cidr: ipaddress.IPv4Network,
        args: VpcArgs,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.CustomResource:
        resource: pulumi.CustomResource = ali.vpc.Switch(
            name, vswitch_name=name, vpc_id=vpc.id, cidr_block=str(cidr), zone_id=zone, tags=dict(args.tags), opts=opts
        )
        return resource

    def security_group(
        self, name: str, *, vpc: pulumi.CustomResource, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        # inner_access_policy Drop: members of the group reach each other only through the declared rules.
        resource: pulumi.CustomResource = ali.ecs.SecurityGroup(
            name,
            security_group_name=name,
            vpc_id=vpc.id,
            inner_access_policy="Drop",
            description="GPU inference nodes",
            tags=dict(args.tags),
            opts=opts,
        )
        return resource

    def rule(
        self, name: str, *, group: pulumi.CustomResource, rule: Rule, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        resource: pulumi.CustomResource = ali.ecs.SecurityGroupRule(
            name,
            security_group_id=group.id,
            type=rule.direction,
            ip_protocol=rule.protocol,
            port_range="-1/-1" if rule.port is None else f"{rule.port}/{rule.port}",
            cidr_ip=rule.cidr,
            policy="accept",
            nic_type="intranet",
            priority=1,
            description=rule.description,
            opts=opts,
        )
        return resource

    def nat_gateway(
        self,
        name: str,
        *,
        network: BuiltNetwork,
        subnets: Mapping[str, pulumi.CustomResource],
        args: VpcArgs,
        children: Children,
    ) -> pulumi.Output[str]:
        gateway = ali.vpc.NatGateway(
            f"{name}-nat",
            nat_gateway_name=name,
            vpc_id=network.vpc.id,
            vswitch_id=next(iter(subnets.values())).id,
            nat_type="Enhanced",
            network_type="internet",
            payment_type="PayAsYouGo",
            tags=dict(args.tags),
            opts=children.opts(protect=False),
        )
        eip = ali.ecs.EipAddress(
            f"{name}-nat-eip",
            address_name=f"{name}-nat",
            bandwidth=NAT_EIP_MBPS,
            internet_charge_type="PayByTraffic",
            payment_type="PayAsYouGo",
            tags=dict(args.tags),
            opts=children.opts(parent=gateway, protect=False),
        )
        association = ali.ecs.EipAssociation(
            f"{name}-nat-eip-association",
            allocation_id=eip.id,
            instance_id=gateway.id,
            instance_type="Nat",
            opts=children.opts(parent=gateway, protect=False),
        )
        for zone, switch in subnets.items():
            ali.vpc.SnatEntry(
                f"{name}-nat-snat-{zone}",
                snat_table_id=gateway.snat_table_ids,
                snat_ip=eip.ip_address,
                source_vswitch_id=switch.id,
                opts=children.opts(parent=gateway, protect=False, depends_on=[association]),
            )
        nat_id: pulumi.Output[str] = gateway.id
        return nat_id

    def interconnect(
        self,
        name: str,
        args: InterconnectArgs,
        children: Children,
        peer_providers: Mapping[str, pulumi.ProviderResource],
    ) -> BuiltInterconnect:
        del peer_providers  # CEN is global: attachments name their region.
        cen = ali.cen.Instance(
            f"{name}-cen",
            cen_instance_name=name,
            protection_level="REDUCED",
            tags=dict(args.tags),
            opts=children.opts(),
        )

        def attach(
            key: str, child_id: pulumi.Input[str], kind: str, region: pulumi.Input[str]
        ) -> ali.cen.InstanceAttachment:
            return ali.cen.InstanceAttachment(
                f"{name}-attach-{key}",
                instance_id=cen.id,
                child_instance_id=child_id,
                child_instance_type=kind,
                child_instance_region_id=region,
                opts=children.opts(parent=cen),
            )

        def attach_vpc(end: NetworkEndArgs) -> ali.cen.InstanceAttachment:
            return attach(end.name, end.vpc_id, "VPC", end.region)

        local = attach_vpc(args.local)
        attachments = {args.local.name: local.id}
        for link in args.peers:
            peer = link.peer
            remote = attach_vpc(peer)
            attachments[peer.name] = remote.id
            package = ali.cen.BandwidthPackage(
                f"{name}-bandwidth-{peer.name}",
                cen_bandwidth_package_name=f"{name}-{peer.name}",
                bandwidth=link.bandwidth_mbps,
                geographic_region_a_id=pulumi.Output.from_input(args.local.region).apply(geographic_region),
                geographic_region_b_id=pulumi.Output.from_input(peer.region).apply(geographic_region),
                payment_type=PAYMENT_TYPES[args.charge_type],
                opts=children.opts(parent=cen),
            )
            package_attachment = ali.cen.BandwidthPackageAttachment(
                f"{name}-bandwidth-{peer.name}-attachment",
                instance_id=cen.id,
                bandwidth_package_id=package.id,
                opts=children.opts(parent=package),
            )
            ali.cen.BandwidthLimit(
                f"{name}-bandwidth-limit-{peer.name}",
                instance_id=cen.id,
                region_ids=[args.local.region, peer.region],
                bandwidth_limit=link.bandwidth_mbps,
                opts=children.opts(parent=cen, depends_on=[package_attachment, local, remote]),
            )
        for line in args.hybrid_links:
            vbr = self._express_connect(name, line, args.tags, children)
            attachments[line.name] = attach(line.name, vbr.id, "VBR", args.local.region).id
        return BuiltInterconnect(interconnect_id=cen.id, attachment_ids=attachments)

    def _express_connect(
        self, name: str, line: HybridLinkArgs, tags: Mapping[str, str], children: Children
    ) -> ali.expressconnect.VirtualBorderRouter:
        prefix = f"{name}-{line.name}"
        connection = ali.expressconnect.PhysicalConnection(
            f"{prefix}-line",
            physical_connection_name=line.name,
            access_point_id=line.access_point_id,
            line_operator=line.line_operator,
            port_type=line.port_type,
            bandwidth=str(line.bandwidth_mbps),
            opts=children.opts(),
        )
        vbr = ali.expressconnect.VirtualBorderRouter(
            f"{prefix}-vbr",
            virtual_border_router_name=line.name,
            physical_connection_id=connection.id,
            vlan_id=line.vlan_id,
            local_gateway_ip=line.local_gateway_ip,
            peer_gateway_ip=line.peer_gateway_ip,
            peering_subnet_mask=line.peering_subnet_mask,
            bandwidth=line.bandwidth_mbps,
            tags=dict(tags),
            opts=children.opts(parent=connection),
        )
        group = ali.vpc.BgpGroup(
            f"{prefix}-bgp",
            bgp_group_name=line.name,
            router_id=vbr.id,
            peer_asn=line.bgp_asn,
            opts=children.opts(parent=vbr),
        )
        ali.vpc.BgpPeer(
            f"{prefix}-bgp-peer",
            bgp_group_id=group.id,
            peer_ip_address=line.peer_gateway_ip,
            opts=children.opts(parent=group),
        )
        return vbr


BACKEND = AliCloud()
