"""inferfleet-vpc: fleet networks and cross-region private links on Huawei, Alibaba, Tencent Cloud and AWS."""

from inferfleet_vpc.args import (
    CLOUDS,
    HYBRID_LINK_CLOUDS,
    HybridLinkArgs,
    InterconnectArgs,
    NetworkEndArgs,
    PeerLinkArgs,
    Rule,
    VpcArgs,
    carve_subnets,
    security_rules,
    validate_interconnect_args,
    validate_link_regions,
    validate_vpc_args,
    validate_zones,
)
from inferfleet_vpc.interconnect import Interconnect, needs_peer_providers
from inferfleet_vpc.vpc import Vpc

__all__ = [
    "CLOUDS",
    "HYBRID_LINK_CLOUDS",
    "HybridLinkArgs",
    "Interconnect",
    "InterconnectArgs",
    "NetworkEndArgs",
    "PeerLinkArgs",
    "Rule",
    "Vpc",
    "VpcArgs",
    "carve_subnets",
    "needs_peer_providers",
    "security_rules",
    "validate_interconnect_args",
    "validate_link_regions",
    "validate_vpc_args",
    "validate_zones",
]
