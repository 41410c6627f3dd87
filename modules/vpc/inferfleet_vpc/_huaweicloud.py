"""Huawei Cloud: VPC, subnets, security group, NAT; Cloud Connect for links."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import pulumi
import pulumi_huaweicloud as hw

from inferfleet_vpc import _huaweicloud_cc as cc
from inferfleet_vpc._cloud import BuiltInterconnect, BuiltNetwork, Children, required
from inferfleet_vpc.args import InterconnectArgs, NetworkEndArgs, Rule, VpcArgs

NAT_SPEC = "1"
"""Small NAT gateway (up to 10,000 connections)."""
NAT_EIP_MBPS = 100


class HuaweiCloud:
    def network(self, name: str, args: VpcArgs, children: Children) -> BuiltNetwork:
        vpc = hw.vpc.Vpc(f"{name}-vpc", name=name, cidr=args.cidr, tags=dict(args.tags), opts=children.opts())
        return BuiltNetwork(vpc=vpc, route_table_id=None)

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
        resource: pulumi.CustomResource = hw.vpc.Subnet(
            name,
            name=name,
            vpc_id=vpc.id,
            cidr=str(cidr),
            gateway_ip=str(next(cidr.hosts())),
            availability_zone=zone,
            tags=dict(args.tags),
            opts=opts,
        )
        return resource

    def security_group(
        self, name: str, *, vpc: pulumi.CustomResource, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        # The default rules let every member of the group reach every port: least privilege removes them.
        resource: pulumi.CustomResource = hw.vpc.Secgroup(
            name,
            name=name,
            description="GPU inference nodes",
            delete_default_rules=True,
            tags=dict(args.tags),
            opts=opts,
        )
        return resource

    def rule(
        self, name: str, *, group: pulumi.CustomResource, rule: Rule, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        resource: pulumi.CustomResource = hw.vpc.SecgroupRule(
            name,
            security_group_id=group.id,
            direction=rule.direction,
            ethertype="IPv4",
            protocol=None if rule.protocol == "all" else rule.protocol,
            ports=None if rule.port is None else str(rule.port),
            remote_ip_prefix=rule.cidr,
            action="allow",
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
        first = next(iter(subnets.values()))
        gateway = hw.nat.Gateway(
            f"{name}-nat",
            name=name,
            spec=NAT_SPEC,
            vpc_id=network.vpc.id,
            subnet_id=first.id,
            tags=dict(args.tags),
            opts=children.opts(protect=False),
        )
        eip = hw.vpc.Eip(
            f"{name}-nat-eip",
            name=f"{name}-nat",
            publicip=hw.vpc.EipPublicipArgs(type="5_bgp"),
            bandwidth=hw.vpc.EipBandwidthArgs(
                share_type="PER", name=f"{name}-nat", size=NAT_EIP_MBPS, charge_mode="traffic"
            ),
            tags=dict(args.tags),
            opts=children.opts(parent=gateway, protect=False),
        )
        for zone, subnet in subnets.items():
            hw.nat.SnatRule(
                f"{name}-nat-snat-{zone}",
                nat_gateway_id=gateway.id,
                floating_ip_id=eip.id,
                subnet_id=subnet.id,
                opts=children.opts(parent=gateway, protect=False),
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
        del peer_providers  # Cloud Connect is global: network instances name their region.
        connection = hw.cc.Connection(f"{name}-connection", name=name, tags=dict(args.tags), opts=children.opts())

        def attach(end: NetworkEndArgs) -> hw.cc.NetworkInstance:
            return hw.cc.NetworkInstance(
                f"{name}-attach-{end.name}",
                cloud_connection_id=connection.id,
                type="vpc",
                instance_id=end.vpc_id,
                project_id=required(end.project_id, f"{end.name}.project_id"),
                region_id=end.region,
                cidrs=[end.cidr],
                opts=children.opts(parent=connection),
            )

        local = attach(args.local)
        attachments = {args.local.name: local.id}
        for link in args.peers:
            peer = link.peer
            remote = attach(peer)
            attachments[peer.name] = remote.id
            package = cc.BandwidthPackage(
                f"{name}-bandwidth-{peer.name}",
                package_name=f"{name}-{peer.name}",
                project_id=required(args.local.project_id, "local.project_id"),
                local_area_id=pulumi.Output.from_input(args.local.region).apply(cc.area_of),
                remote_area_id=pulumi.Output.from_input(peer.region).apply(cc.area_of),
                billing_mode=cc.BILLING_MODES[args.charge_type],
                bandwidth=link.bandwidth_mbps,
                cloud_connection_id=connection.id,
                opts=children.opts(parent=connection),
            )
            cc.InterRegionBandwidth(
                f"{name}-inter-region-{peer.name}",
                cloud_connection_id=connection.id,
                bandwidth_package_id=package.id,
                bandwidth=link.bandwidth_mbps,
                inter_region_ids=[args.local.region, peer.region],
                opts=children.opts(parent=package, depends_on=[local, remote]),
            )
        return BuiltInterconnect(interconnect_id=connection.id, attachment_ids=attachments)


BACKEND = HuaweiCloud()
