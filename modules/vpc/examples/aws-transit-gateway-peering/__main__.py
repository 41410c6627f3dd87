"""Fleet networks in Oregon and Virginia joined by transit gateway peering, with static routes both ways."""

import pulumi
import pulumi_aws as aws
from inferfleet_vpc import Interconnect, InterconnectArgs, NetworkEndArgs, PeerLinkArgs, Vpc, VpcArgs

tags = {
    "team": "inference-platform",
    "env": "dev",
    "cost-center": "cc-4410",
    "stack": "example",
    "stack-version": "0.1.0",
}
west_provider = aws.Provider("us-west-2", region="us-west-2")
east_provider = aws.Provider("us-east-1", region="us-east-1")


def network(name: str, provider: aws.Provider, *, cidr: str, peer: str, zones: tuple[str, ...]) -> Vpc:
    region = zones[0][:-1]
    args = VpcArgs(cloud="aws", region=region, cidr=cidr, zones=zones, peer_cidrs=(peer,), nat_gateway=True, tags=tags)
    return Vpc(name, args, opts=pulumi.ResourceOptions(provider=provider))


def end(name: str, region: str, vpc: Vpc) -> NetworkEndArgs:
    return NetworkEndArgs(
        name=name,
        region=region,
        vpc_id=vpc.vpc_id,
        cidr=vpc.vpc_cidr,
        subnet_ids=list(vpc.subnet_ids.values()),
        route_table_id=vpc.route_table_id,
    )


west = network("west", west_provider, cidr="10.50.0.0/16", peer="10.51.0.0/16", zones=("us-west-2a", "us-west-2b"))
east = network("east", east_provider, cidr="10.51.0.0/16", peer="10.50.0.0/16", zones=("us-east-1a", "us-east-1b"))
links = Interconnect(
    "west-links",
    InterconnectArgs(
        cloud="aws",
        local=end("west", "us-west-2", west),
        peers=(PeerLinkArgs(peer=end("east", "us-east-1", east), bandwidth_mbps=1000),),
        tags=tags,
    ),
    opts=pulumi.ResourceOptions(provider=west_provider),
    peer_providers={"east": east_provider},
)
pulumi.export("west_vpc_id", west.vpc_id)
pulumi.export("transit_gateway_id", links.interconnect_id)
