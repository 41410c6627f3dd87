"""A fleet network in Guangzhou linked over CCN to Shanghai and over Direct Connect to an IDC."""

import pulumi
import tencentcloud_iac_pulumi as tc
from inferfleet_vpc import HybridLinkArgs, Interconnect, InterconnectArgs, NetworkEndArgs, PeerLinkArgs, Vpc, VpcArgs

config = pulumi.Config()
tags = {
    "team": "inference-platform",
    "env": "dev",
    "cost-center": "cc-4410",
    "stack": "example",
    "stack-version": "0.1.0",
}
guangzhou_provider = tc.Provider("ap-guangzhou", region="ap-guangzhou")
shanghai_provider = tc.Provider("ap-shanghai", region="ap-shanghai")

guangzhou = Vpc(
    "guangzhou",
    VpcArgs(
        cloud="tencentcloud",
        region="ap-guangzhou",
        cidr="10.40.0.0/16",
        zones=("ap-guangzhou-6", "ap-guangzhou-7"),
        peer_cidrs=("10.41.0.0/16", "172.20.0.0/16"),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=guangzhou_provider),
)
shanghai = Vpc(
    "shanghai",
    VpcArgs(
        cloud="tencentcloud",
        region="ap-shanghai",
        cidr="10.41.0.0/16",
        zones=("ap-shanghai-4",),
        peer_cidrs=("10.40.0.0/16",),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=shanghai_provider),
)
links = Interconnect(
    "guangzhou-links",
    InterconnectArgs(
        cloud="tencentcloud",
        local=NetworkEndArgs(name="guangzhou", region="ap-guangzhou", vpc_id=guangzhou.vpc_id, cidr=guangzhou.vpc_cidr),
        peers=(
            PeerLinkArgs(
                peer=NetworkEndArgs(
                    name="shanghai", region="ap-shanghai", vpc_id=shanghai.vpc_id, cidr=shanghai.vpc_cidr
                ),
                bandwidth_mbps=100,
            ),
        ),
        hybrid_links=(
            HybridLinkArgs(
                name="idc-gz1",
                access_point_id=config.require("access_point_id"),
                line_operator="ChinaTelecom",
                port_type="10GBase-LR",
                bandwidth_mbps=1000,
                vlan_id=200,
                local_gateway_ip="10.254.0.1",
                peer_gateway_ip="10.254.0.2",
                peering_subnet_mask="255.255.255.252",
                idc_cidrs=("172.20.0.0/16",),
                bgp_asn=65020,
            ),
        ),
        qos="platinum",
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=guangzhou_provider),
)
pulumi.export("guangzhou_vpc_id", guangzhou.vpc_id)
pulumi.export("ccn_id", links.interconnect_id)
