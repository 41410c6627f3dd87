"""AWS: VPC, subnets, security group, regional NAT; transit gateway peering for links."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from inferfleet_vpc._cloud import BuiltInterconnect, BuiltNetwork, Children, required
from inferfleet_vpc.args import InterconnectArgs, NetworkEndArgs, Rule, VpcArgs

RULE_PROTOCOLS = {"tcp": "tcp", "all": "-1"}


class Aws:
    def network(self, name: str, args: VpcArgs, children: Children) -> BuiltNetwork:
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**args.tags, "Name": name},
            opts=children.opts(),
        )
        return BuiltNetwork(vpc=vpc, route_table_id=vpc.main_route_table_id)

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
        resource: pulumi.CustomResource = aws.ec2.Subnet(
            name,
            vpc_id=vpc.id,
            cidr_block=str(cidr),
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={**args.tags, "Name": name},
            opts=opts,
        )
        return resource

    def security_group(
        self, name: str, *, vpc: pulumi.CustomResource, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        resource: pulumi.CustomResource = aws.ec2.SecurityGroup(
            name, vpc_id=vpc.id, description="GPU inference nodes", tags={**args.tags, "Name": name}, opts=opts
        )
        return resource

    def rule(
        self, name: str, *, group: pulumi.CustomResource, rule: Rule, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        kind = aws.vpc.SecurityGroupIngressRule if rule.direction == "ingress" else aws.vpc.SecurityGroupEgressRule
        resource: pulumi.CustomResource = kind(
            name,
            security_group_id=group.id,
            ip_protocol=RULE_PROTOCOLS[rule.protocol],
            from_port=rule.port,
            to_port=rule.port,
            cidr_ipv4=rule.cidr,
            description=rule.description,
            tags=dict(args.tags),
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
        del subnets  # a regional NAT gateway spans the VPC's zones and needs no public subnet.
        gateway_opts = children.opts(protect=False)
        internet = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=network.vpc.id, tags={**args.tags, "Name": name}, opts=gateway_opts
        )
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            vpc_id=network.vpc.id,
            availability_mode="regional",
            connectivity_type="public",
            tags={**args.tags, "Name": name},
            opts=children.opts(protect=False, depends_on=[internet]),
        )
        assert network.route_table_id is not None
        aws.ec2.Route(
            f"{name}-nat-route",
            route_table_id=network.route_table_id,
            destination_cidr_block="0.0.0.0/0",
            nat_gateway_id=nat.id,
            opts=children.opts(parent=nat, protect=False),
        )
        nat_id: pulumi.Output[str] = nat.id
        return nat_id

    def interconnect(
        self,
        name: str,
        args: InterconnectArgs,
        children: Children,
        peer_providers: Mapping[str, pulumi.ProviderResource],
    ) -> BuiltInterconnect:
        def transit_gateway(
            end: NetworkEndArgs, provider: pulumi.ProviderResource | None
        ) -> tuple[aws.ec2transitgateway.TransitGateway, aws.ec2transitgateway.VpcAttachment]:
            # Associations and propagations on: each VPC attachment's CIDR is reachable through its own TGW.
            gateway = aws.ec2transitgateway.TransitGateway(
                f"{name}-tgw-{end.name}",
                description=f"{name}: {end.name}",
                default_route_table_association="enable",
                default_route_table_propagation="enable",
                tags={**args.tags, "Name": f"{name}-{end.name}"},
                opts=children.opts(provider=provider),
            )
            attachment = aws.ec2transitgateway.VpcAttachment(
                f"{name}-attach-{end.name}",
                transit_gateway_id=gateway.id,
                vpc_id=end.vpc_id,
                subnet_ids=end.subnet_ids,
                tags={**args.tags, "Name": f"{name}-{end.name}"},
                opts=children.opts(parent=gateway, provider=provider),
            )
            return gateway, attachment

        def route(
            key: str,
            *,
            gateway: aws.ec2transitgateway.TransitGateway,
            from_end: NetworkEndArgs,
            to_end: NetworkEndArgs,
            peering: pulumi.Input[str],
            after: list[pulumi.Resource],
            provider: pulumi.ProviderResource | None,
        ) -> None:
            """Static routes on one side: TGW -> peering for the far CIDR, VPC route table -> TGW."""
            aws.ec2transitgateway.Route(
                f"{name}-tgw-route-{key}",
                destination_cidr_block=to_end.cidr,
                transit_gateway_route_table_id=gateway.association_default_route_table_id,
                transit_gateway_attachment_id=peering,
                opts=children.opts(parent=gateway, provider=provider, depends_on=after),
            )
            aws.ec2.Route(
                f"{name}-vpc-route-{key}",
                route_table_id=required(from_end.route_table_id, f"{from_end.name}.route_table_id"),
                destination_cidr_block=to_end.cidr,
                transit_gateway_id=gateway.id,
                opts=children.opts(parent=gateway, provider=provider, depends_on=after),
            )

        local_gateway, local_attachment = transit_gateway(args.local, None)
        attachments = {args.local.name: local_attachment.id}
        for link in args.peers:
            peer = link.peer
            peer_provider = peer_providers[peer.name]
            peer_gateway, peer_attachment = transit_gateway(peer, peer_provider)
            attachments[peer.name] = peer_attachment.id
            peering = aws.ec2transitgateway.PeeringAttachment(
                f"{name}-peering-{peer.name}",
                transit_gateway_id=local_gateway.id,
                peer_transit_gateway_id=peer_gateway.id,
                peer_region=peer.region,
                tags={**args.tags, "Name": f"{name}-{peer.name}"},
                opts=children.opts(parent=local_gateway),
            )
            accepter = aws.ec2transitgateway.PeeringAttachmentAccepter(
                f"{name}-peering-{peer.name}-accepter",
                transit_gateway_attachment_id=peering.id,
                tags={**args.tags, "Name": f"{name}-{peer.name}"},
                opts=children.opts(parent=peering, provider=peer_provider),
            )
            route(
                f"{args.local.name}-to-{peer.name}",
                gateway=local_gateway,
                from_end=args.local,
                to_end=peer,
                peering=peering.id,
                after=[accepter, local_attachment],
                provider=None,
            )
            route(
                f"{peer.name}-to-{args.local.name}",
                gateway=peer_gateway,
                from_end=peer,
                to_end=args.local,
                peering=peering.id,
                after=[accepter, peer_attachment],
                provider=peer_provider,
            )
        return BuiltInterconnect(interconnect_id=local_gateway.id, attachment_ids=attachments)


BACKEND = Aws()
