"""Two fleet networks on Huawei Cloud, Guangzhou and Beijing, joined by Cloud Connect with paid bandwidth."""

import pulumi
import pulumi_huaweicloud as hw
from inferfleet_vpc import Interconnect, InterconnectArgs, NetworkEndArgs, PeerLinkArgs, Vpc, VpcArgs

config = pulumi.Config()
tags = {
    "team": "inference-platform",
    "env": "dev",
    "cost-center": "cc-4410",
    "stack": "example",
    "stack-version": "0.1.0",
}
south_provider = hw.Provider("cn-south-1", region="cn-south-1")
north_provider = hw.Provider("cn-north-4", region="cn-north-4")

south = Vpc(
    "south",
    VpcArgs(
        cloud="huaweicloud",
        region="cn-south-1",
        cidr="10.20.0.0/16",
        zones=("cn-south-1a", "cn-south-1c"),
        peer_cidrs=("10.21.0.0/16",),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=south_provider),
)
north = Vpc(
    "north",
    VpcArgs(
        cloud="huaweicloud",
        region="cn-north-4",
        cidr="10.21.0.0/16",
        zones=("cn-north-4a",),
        peer_cidrs=("10.20.0.0/16",),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=north_provider),
)
links = Interconnect(
    "south-north",
    InterconnectArgs(
        cloud="huaweicloud",
        local=NetworkEndArgs(
            name="south",
            region="cn-south-1",
            vpc_id=south.vpc_id,
            cidr=south.vpc_cidr,
            project_id=config.require("south_project_id"),
        ),
        peers=(
            PeerLinkArgs(
                peer=NetworkEndArgs(
                    name="north",
                    region="cn-north-4",
                    vpc_id=north.vpc_id,
                    cidr=north.vpc_cidr,
                    project_id=config.require("north_project_id"),
                ),
                bandwidth_mbps=100,
            ),
        ),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=south_provider),
)
pulumi.export("south_vpc_id", south.vpc_id)
pulumi.export("north_vpc_id", north.vpc_id)
pulumi.export("cloud_connection_id", links.interconnect_id)
