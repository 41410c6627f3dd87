"""Tencent Cloud: VPC, subnets, security group, NAT; CCN and Direct Connect for links."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import pulumi
import tencentcloud_iac_pulumi as tc

from inferfleet_vpc._cloud import BuiltInterconnect, BuiltNetwork, Children
from inferfleet_vpc.args import HybridLinkArgs, InterconnectArgs, NetworkEndArgs, Rule, VpcArgs

QOS = {"platinum": "PT", "gold": "AU", "silver": "AG"}
CHARGE_TYPES = {"postpaid": "POSTPAID", "prepaid": "PREPAID"}
NAT_MBPS = 100
NAT_MAX_CONCURRENT = 1_000_000


class TencentCloud:
    def network(self, name: str, args: VpcArgs, children: Children) -> BuiltNetwork:
        vpc = tc.vpc.Instance(
            f"{name}-vpc", name=name, cidr_block=args.cidr, tags=dict(args.tags), opts=children.opts()
        )
        return BuiltNetwork(vpc=vpc, route_table_id=vpc.default_route_table_id)

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
        resource: pulumi.CustomResource = tc.subnet.Instance(
            name,
            name=name,
            vpc_id=vpc.id,
            cidr_block=str(cidr),
            availability_zone=zone,
            tags=dict(args.tags),
            opts=opts,
        )
        return resource

    def security_group(
        self, name: str, *, vpc: pulumi.CustomResource, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        del vpc  # Tencent security groups are regional, not bound to a VPC.
        resource: pulumi.CustomResource = tc.security.Group(
            name, name=name, description="GPU inference nodes", tags=dict(args.tags), opts=opts
        )
        return resource

    def rule(
        self, name: str, *, group: pulumi.CustomResource, rule: Rule, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        # Left unset, ip_protocol and port_range mean every protocol and port.
        resource: pulumi.CustomResource = tc.security.GroupRule(
            name,
            security_group_id=group.id,
            type=rule.direction,
            policy="ACCEPT",
            cidr_ip=rule.cidr,
            ip_protocol=None if rule.protocol == "all" else rule.protocol.upper(),
            port_range=None if rule.port is None else str(rule.port),
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
        del subnets  # the NAT route goes into the VPC's default route table, which every subnet uses.
        eip = tc.eip.Instance(
            f"{name}-nat-eip",
            name=f"{name}-nat",
            internet_charge_type="TRAFFIC_POSTPAID_BY_HOUR",
            internet_max_bandwidth_out=NAT_MBPS,
            tags=dict(args.tags),
            opts=children.opts(protect=False),
        )
        gateway = tc.nat.Gateway(
            f"{name}-nat",
            name=name,
            vpc_id=network.vpc.id,
            assigned_eip_sets=[eip.public_ip],
            bandwidth=NAT_MBPS,
            max_concurrent=NAT_MAX_CONCURRENT,
            tags=dict(args.tags),
            opts=children.opts(protect=False),
        )
        assert network.route_table_id is not None
        tc.route.TableEntry(
            f"{name}-nat-route",
            route_table_id=network.route_table_id,
            destination_cidr_block="0.0.0.0/0",
            next_type="NAT",
            next_hub=gateway.id,
            description="egress through the NAT gateway",
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
        del peer_providers  # CCN is global: attachments name their region.
        ccn = tc.ccn.Instance(
            f"{name}-ccn",
            name=name,
            qos=QOS[args.qos],
            charge_type=CHARGE_TYPES[args.charge_type],
            bandwidth_limit_type="INTER_REGION_LIMIT",
            tags=dict(args.tags),
            opts=children.opts(),
        )

        def attach(
            key: str, instance_id: pulumi.Input[str], kind: str, region: pulumi.Input[str]
        ) -> tc.ccn.AttachmentV2:
            return tc.ccn.AttachmentV2(
                f"{name}-attach-{key}",
                ccn_id=ccn.id,
                instance_id=instance_id,
                instance_type=kind,
                instance_region=region,
                opts=children.opts(parent=ccn),
            )

        def attach_vpc(end: NetworkEndArgs) -> tc.ccn.AttachmentV2:
            return attach(end.name, end.vpc_id, "VPC", end.region)

        local = attach_vpc(args.local)
        attachments = {args.local.name: local.id}
        for link in args.peers:
            remote = attach_vpc(link.peer)
            attachments[link.peer.name] = remote.id
            tc.ccn.BandwidthLimit(
                f"{name}-bandwidth-limit-{link.peer.name}",
                ccn_id=ccn.id,
                region=args.local.region,
                dst_region=link.peer.region,
                bandwidth_limit=link.bandwidth_mbps,
                opts=children.opts(parent=ccn, depends_on=[local, remote]),
            )
        for line in args.hybrid_links:
            gateway = self._direct_connect(name, line, ccn, children)
            attachments[line.name] = attach(line.name, gateway.id, "DIRECTCONNECT", args.local.region).id
        return BuiltInterconnect(interconnect_id=ccn.id, attachment_ids=attachments)

    def _direct_connect(
        self, name: str, line: HybridLinkArgs, ccn: tc.ccn.Instance, children: Children
    ) -> tc.dc.Gateway:
        prefix = f"{name}-{line.name}"
        connection = tc.dc.Instance(
            f"{prefix}-line",
            direct_connect_name=line.name,
            access_point_id=line.access_point_id,
            line_operator=line.line_operator,
            port_type=line.port_type,
            bandwidth=line.bandwidth_mbps,
            opts=children.opts(),
        )
        gateway = tc.dc.Gateway(
            f"{prefix}-dcg",
            name=line.name,
            network_type="CCN",
            network_instance_id=ccn.id,
            gateway_type="NORMAL",
            opts=children.opts(parent=connection),
        )
        prefix_length = ipaddress.IPv4Network(f"0.0.0.0/{line.peering_subnet_mask}").prefixlen
        tc.dcx.Instance(
            f"{prefix}-tunnel",
            name=line.name,
            dc_id=connection.id,
            dcg_id=gateway.id,
            network_type="CCN",
            route_type="BGP",
            bgp_asn=line.bgp_asn,
            vlan=line.vlan_id,
            bandwidth=line.bandwidth_mbps,
            tencent_address=f"{line.local_gateway_ip}/{prefix_length}",
            customer_address=f"{line.peer_gateway_ip}/{prefix_length}",
            route_filter_prefixes=list(line.idc_cidrs),
            opts=children.opts(parent=gateway),
        )
        return gateway


BACKEND = TencentCloud()
