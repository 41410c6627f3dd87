"""A fleet network in Shanghai with NAT egress, linked over CEN to Beijing and over Express Connect to an IDC."""

import pulumi
import pulumi_alicloud as ali
from inferfleet_vpc import HybridLinkArgs, Interconnect, InterconnectArgs, NetworkEndArgs, PeerLinkArgs, Vpc, VpcArgs

config = pulumi.Config()
tags = {
    "team": "inference-platform",
    "env": "dev",
    "cost-center": "cc-4410",
    "stack": "example",
    "stack-version": "0.1.0",
}
shanghai_provider = ali.Provider("cn-shanghai", region="cn-shanghai")
beijing_provider = ali.Provider("cn-beijing", region="cn-beijing")

shanghai = Vpc(
    "shanghai",
    VpcArgs(
        cloud="alicloud",
        region="cn-shanghai",
        cidr="10.30.0.0/16",
        zones=("cn-shanghai-e", "cn-shanghai-f"),
        peer_cidrs=("10.31.0.0/16", "172.16.0.0/16"),
        ssh_cidrs=("172.16.10.0/24",),
        nat_gateway=True,
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=shanghai_provider),
)
beijing = Vpc(
    "beijing",
    VpcArgs(
        cloud="alicloud",
        region="cn-beijing",
        cidr="10.31.0.0/16",
        zones=("cn-beijing-g",),
        peer_cidrs=("10.30.0.0/16",),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=beijing_provider),
)
links = Interconnect(
    "shanghai-links",
    InterconnectArgs(
        cloud="alicloud",
        local=NetworkEndArgs(name="shanghai", region="cn-shanghai", vpc_id=shanghai.vpc_id, cidr=shanghai.vpc_cidr),
        peers=(
            PeerLinkArgs(
                peer=NetworkEndArgs(name="beijing", region="cn-beijing", vpc_id=beijing.vpc_id, cidr=beijing.vpc_cidr),
                bandwidth_mbps=200,
            ),
        ),
        hybrid_links=(
            HybridLinkArgs(
                name="idc-sh1",
                access_point_id=config.require("access_point_id"),
                line_operator="CT",
                port_type="10GBase-LR",
                bandwidth_mbps=1000,
                vlan_id=120,
                local_gateway_ip="10.255.12.1",
                peer_gateway_ip="10.255.12.2",
                peering_subnet_mask="255.255.255.252",
                idc_cidrs=("172.16.0.0/16",),
                bgp_asn=65010,
            ),
        ),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=shanghai_provider),
)
pulumi.export("shanghai_subnet_ids", shanghai.subnet_ids)
pulumi.export("cen_id", links.interconnect_id)
