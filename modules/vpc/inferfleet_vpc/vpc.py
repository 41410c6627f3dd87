"""The `Vpc` component: the fleet network on any of the four clouds."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from inferfleet_components import doc, register_declared, warn_deprecated

from inferfleet_vpc._cloud import Children, cloud_network
from inferfleet_vpc.args import VpcArgs, security_rules, validate_vpc_args


@dataclass(init=False, eq=False, repr=False)
class VpcOutputs:
    """The outputs of a `Vpc`, declared once: its attributes, its registered outputs, README and API."""

    vpc_id: pulumi.Output[str] = field(metadata=doc("Id of the VPC."))
    vpc_cidr: pulumi.Output[str] = field(metadata=doc("IPv4 CIDR of the VPC."))
    subnet_ids: dict[str, pulumi.Output[str]] = field(metadata=doc("Subnet (vswitch) id per zone."))
    subnet_cidrs: dict[str, str] = field(metadata=doc("Subnet CIDR per zone, carved from the VPC CIDR."))
    security_group_id: pulumi.Output[str] = field(metadata=doc("Id of the GPU nodes' security group."))
    route_table_id: pulumi.Output[str | None] = field(
        metadata=doc("Id of the VPC's main route table (None on huaweicloud, whose links route themselves).")
    )
    nat_gateway_id: pulumi.Output[str | None] = field(metadata=doc("Id of the NAT gateway (None without nat_gateway)."))


class Vpc(pulumi.ComponentResource, VpcOutputs):
    """A VPC, one subnet per zone, the GPU nodes' security group and optional NAT egress.

    Everything is checked before the component registers, so bad args never leave half a network.
    """

    def __init__(self, name: str, args: VpcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        subnet_cidrs = validate_vpc_args(args)
        warn_deprecated(args, "inferfleet-vpc")
        super().__init__("inferfleet:vpc:Vpc", name, None, opts)
        cloud = cloud_network(args.cloud)
        children = Children(parent=self, provider=opts.provider if opts else None, protect=args.protect)

        network = cloud.network(name, args, children)
        subnets = {
            zone: cloud.subnet(
                f"{name}-subnet-{zone}",
                vpc=network.vpc,
                zone=zone,
                cidr=cidr,
                args=args,
                opts=children.opts(parent=network.vpc),
            )
            for zone, cidr in subnet_cidrs.items()
        }
        group = cloud.security_group(f"{name}-sg", vpc=network.vpc, args=args, opts=children.opts(protect=False))
        for rule in security_rules(args):
            cloud.rule(
                f"{name}-sg-{rule.key}",
                group=group,
                rule=rule,
                args=args,
                opts=children.opts(parent=group, protect=False),
            )
        nat_id = None
        if args.nat_gateway:
            nat_id = cloud.nat_gateway(name, network=network, subnets=subnets, args=args, children=children)

        self.vpc_id = network.vpc.id
        self.vpc_cidr = pulumi.Output.from_input(args.cidr)
        # A known map of zone -> id (each id unknown until apply), not one opaque unknown map.
        self.subnet_ids = {zone: subnet.id for zone, subnet in subnets.items()}
        self.subnet_cidrs = {zone: str(cidr) for zone, cidr in subnet_cidrs.items()}
        self.security_group_id = group.id
        self.route_table_id = pulumi.Output.from_input(network.route_table_id)
        self.nat_gateway_id = pulumi.Output.from_input(nat_id)
        register_declared(self)
