"""The VPC module's pure checks and derivations: one case per way to be wrong."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

import pytest
from inferfleet_vpc import (
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
from inferfleet_vpc.args import HYBRID_LINK_CLOUDS


def test_carved_subnets_are_deterministic_inside_the_vpc_and_disjoint() -> None:
    zones = ["cn-south-1a", "cn-south-1b", "cn-south-1c"]
    subnets = carve_subnets("10.20.0.0/16", zones)
    assert subnets == carve_subnets("10.20.0.0/16", zones)
    assert list(subnets) == zones
    assert [str(subnet) for subnet in subnets.values()] == ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]
    vpc = ipaddress.IPv4Network("10.20.0.0/16")
    blocks = list(subnets.values())
    assert all(block.subnet_of(vpc) for block in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


def test_explicit_subnets_are_kept_and_carving_goes_around_them() -> None:
    subnets = carve_subnets("10.20.0.0/16", ["z-a", "z-b"], prefix_length=24, explicit={"z-b": "10.20.0.0/24"})
    assert subnets == {"z-a": ipaddress.IPv4Network("10.20.1.0/24"), "z-b": ipaddress.IPv4Network("10.20.0.0/24")}


def test_a_subnet_outside_the_vpc_is_refused() -> None:
    with pytest.raises(ValueError, match=r"subnet_cidrs\.z-a: 10\.99\.0\.0/24 is outside the VPC CIDR 10\.20\.0\.0/16"):
        carve_subnets("10.20.0.0/16", ["z-a"], explicit={"z-a": "10.99.0.0/24"})


def test_overlapping_explicit_subnets_are_refused() -> None:
    with pytest.raises(ValueError, match=r"subnet_cidrs\.z-b: 10\.20\.0\.0/24 overlaps 10\.20\.0\.0/20 of zone 'z-a'"):
        carve_subnets("10.20.0.0/16", ["z-a", "z-b"], explicit={"z-a": "10.20.0.0/20", "z-b": "10.20.0.0/24"})


def test_an_explicit_subnet_for_an_undeclared_zone_is_refused() -> None:
    with pytest.raises(ValueError, match=r"subnet_cidrs\.z-c: 'z-c' is not one of the zones"):
        carve_subnets("10.20.0.0/16", ["z-a"], explicit={"z-c": "10.20.0.0/24"})


def test_more_zones_than_the_cidr_holds_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"zones: 3 zones do not fit in 10\.20\.0\.0/24 with /25 subnets \(room for 2\)"
    ):
        carve_subnets("10.20.0.0/24", ["a", "b", "c"], prefix_length=25)


def test_a_subnet_prefix_shorter_than_the_vpc_is_refused() -> None:
    with pytest.raises(ValueError, match=r"subnet_prefix_length: /12 must be between the VPC's /16 and /28"):
        carve_subnets("10.20.0.0/16", ["a"], prefix_length=12)


def test_a_bad_cidr_is_named() -> None:
    with pytest.raises(ValueError, match=r"cidr: '10\.20\.0\.0/33' is not an IPv4 CIDR"):
        carve_subnets("10.20.0.0/33", ["a"])


@pytest.mark.parametrize(
    ("cloud", "region", "zone"),
    [
        ("huaweicloud", "cn-south-1", "cn-south-1a"),
        ("alicloud", "cn-shanghai", "cn-shanghai-e"),
        ("tencentcloud", "ap-guangzhou", "ap-guangzhou-6"),
        ("aws", "us-west-2", "us-west-2b"),
    ],
)
def test_zones_of_the_region_are_accepted(cloud: str, region: str, zone: str) -> None:
    validate_zones(cloud, region, [zone])


@pytest.mark.parametrize(
    ("cloud", "region", "zone"),
    [
        ("huaweicloud", "cn-south-1", "cn-north-4a"),
        ("alicloud", "cn-shanghai", "cn-shanghaie"),
        ("tencentcloud", "ap-guangzhou", "ap-guangzhou-a"),
        ("aws", "us-west-2", "us-east-1a"),
    ],
)
def test_a_zone_of_another_region_is_refused(cloud: str, region: str, zone: str) -> None:
    with pytest.raises(ValueError, match=rf"zones: '{zone}' is not a zone of region '{region}' on {cloud}"):
        validate_zones(cloud, region, [zone])


def vpc_args(**overrides: Any) -> VpcArgs:
    values: dict[str, Any] = {"cloud": "aws", "region": "us-west-2", "cidr": "10.50.0.0/16", "zones": ["us-west-2a"]}
    return VpcArgs(**{**values, **overrides})


def test_rules_open_exactly_the_declared_ports_to_the_declared_sources() -> None:
    args = vpc_args(model_ports=(8000, 9000), peer_cidrs=("10.20.0.0/16",), ssh_cidrs=("192.0.2.0/24",))
    assert security_rules(args) == [
        Rule("ingress", "tcp", 8000, "10.50.0.0/16", "model server port 8000 from 10.50.0.0/16"),
        Rule("ingress", "tcp", 8000, "10.20.0.0/16", "model server port 8000 from 10.20.0.0/16"),
        Rule("ingress", "tcp", 9000, "10.50.0.0/16", "model server port 9000 from 10.50.0.0/16"),
        Rule("ingress", "tcp", 9000, "10.20.0.0/16", "model server port 9000 from 10.20.0.0/16"),
        Rule("ingress", "tcp", 22, "192.0.2.0/24", "SSH from 192.0.2.0/24"),
        Rule("egress", "all", None, "0.0.0.0/0", "egress to anywhere (image pulls, model downloads)"),
    ]


def test_no_ssh_rule_without_ssh_cidrs() -> None:
    assert all(rule.port != 22 for rule in security_rules(vpc_args()))


@pytest.mark.parametrize("field", ["ssh_cidrs", "peer_cidrs"])
def test_world_open_ingress_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=rf"{field}: 0\.0\.0\.0/0 opens the port to the whole internet"):
        validate_vpc_args(vpc_args(**{field: ("0.0.0.0/0",)}))


def test_a_port_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"model_ports: 70000 is not a TCP port"):
        validate_vpc_args(vpc_args(model_ports=(70000,)))


def test_an_unknown_cloud_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cloud: 'gcp' is not one of"):
        validate_vpc_args(vpc_args(cloud="gcp"))


def end(name: str, region: str, **values: Any) -> NetworkEndArgs:
    return NetworkEndArgs(name=name, region=region, vpc_id=f"vpc-{name}", cidr="10.0.0.0/16", **values)


def link_args(
    cloud: str = "aws", local_region: str = "us-west-2", peer_region: str = "us-east-1", **overrides: Any
) -> InterconnectArgs:
    extra: dict[str, Any] = {"route_table_id": "rt", "project_id": "p"}
    values: dict[str, Any] = {
        "cloud": cloud,
        "local": end("a", local_region, **extra),
        "peers": (PeerLinkArgs(peer=end("b", peer_region, **extra), bandwidth_mbps=100),),
    }
    return InterconnectArgs(**{**values, **overrides})


def test_a_valid_link_passes() -> None:
    validate_interconnect_args(link_args())


@pytest.mark.parametrize("bandwidth", [0, -5])
def test_bandwidth_must_be_positive(bandwidth: int) -> None:
    args = link_args()
    peer = dataclasses.replace(args.peers[0], bandwidth_mbps=bandwidth)
    with pytest.raises(ValueError, match=rf"peers\[0\]\.bandwidth_mbps: {bandwidth} must be > 0"):
        validate_interconnect_args(dataclasses.replace(args, peers=(peer,)))


@pytest.mark.parametrize(("local", "peer"), [("cn-north-1", "us-west-2"), ("us-west-2", "cn-northwest-1")])
def test_aws_china_never_peers_with_a_global_region(local: str, peer: str) -> None:
    with pytest.raises(
        ValueError, match=r"AWS China \(cn-north-1, cn-northwest-1\) cannot peer with global AWS regions"
    ):
        validate_interconnect_args(link_args(local_region=local, peer_region=peer))


def test_aws_china_regions_peer_with_each_other() -> None:
    validate_link_regions("aws", "cn-north-1", "cn-northwest-1")


def test_china_region_names_mean_nothing_special_on_other_clouds() -> None:
    validate_link_regions("huaweicloud", "cn-north-1", "ap-southeast-1")


def test_a_link_inside_one_region_is_refused() -> None:
    with pytest.raises(ValueError, match=r"the peer is in the same region 'us-west-2'"):
        validate_interconnect_args(link_args(peer_region="us-west-2"))


def test_huaweicloud_links_need_project_ids() -> None:
    args = link_args(cloud="huaweicloud", local_region="cn-south-1", peer_region="cn-north-4")
    args = dataclasses.replace(args, local=end("a", "cn-south-1"))
    with pytest.raises(ValueError, match=r"peers\[0\]: huaweicloud Cloud Connect needs project_id on both ends"):
        validate_interconnect_args(args)


def test_aws_links_need_route_tables() -> None:
    args = dataclasses.replace(link_args(), local=end("a", "us-west-2"))
    with pytest.raises(ValueError, match=r"peers\[0\]: aws transit gateway links need route_table_id on both ends"):
        validate_interconnect_args(args)


def test_repeated_peers_are_refused() -> None:
    args = link_args()
    with pytest.raises(ValueError, match=r"peers: repeated peer b"):
        validate_interconnect_args(dataclasses.replace(args, peers=(*args.peers, *args.peers)))


def hybrid(**overrides: Any) -> HybridLinkArgs:
    values: dict[str, Any] = {
        "name": "idc1",
        "access_point_id": "ap-1",
        "line_operator": "CT",
        "port_type": "10GBase-LR",
        "bandwidth_mbps": 1000,
        "vlan_id": 100,
        "local_gateway_ip": "10.255.0.1",
        "peer_gateway_ip": "10.255.0.2",
        "peering_subnet_mask": "255.255.255.252",
        "idc_cidrs": ("172.16.0.0/16",),
        "bgp_asn": 65001,
    }
    return HybridLinkArgs(**{**values, **overrides})


@pytest.mark.parametrize("cloud", ["huaweicloud", "aws"])
def test_hybrid_links_only_where_supported(cloud: str) -> None:
    args = link_args(cloud=cloud, peers=(), hybrid_links=(hybrid(),))
    with pytest.raises(ValueError, match=rf"hybrid_links: not supported on {cloud}"):
        validate_interconnect_args(args)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bandwidth_mbps": 0}, r"hybrid_links\[0\]\.bandwidth_mbps: 0 must be > 0"),
        ({"vlan_id": 4000}, r"hybrid_links\[0\]\.vlan_id: 4000 is not a VLAN id"),
        ({"peer_gateway_ip": "10.255.0.300"}, r"hybrid_links\[0\]: '10\.255\.0\.300' is not an IPv4 address"),
        ({"bgp_asn": 0}, r"hybrid_links\[0\]\.bgp_asn: 0 is not a BGP AS number"),
        ({"idc_cidrs": ()}, r"hybrid_links\[0\]\.idc_cidrs: at least one IDC CIDR is required"),
        ({"idc_cidrs": ("0.0.0.0/0",)}, r"hybrid_links\[0\]\.idc_cidrs: 0\.0\.0\.0/0 opens the port"),
    ],
)
def test_bad_hybrid_links_are_refused(overrides: dict[str, Any], message: str) -> None:
    args = link_args(cloud=HYBRID_LINK_CLOUDS[0], peers=(), hybrid_links=(hybrid(**overrides),))
    with pytest.raises(ValueError, match=message):
        validate_interconnect_args(args)


@pytest.mark.parametrize("args_class", [VpcArgs, NetworkEndArgs, PeerLinkArgs, HybridLinkArgs, InterconnectArgs])
def test_every_field_is_documented_with_its_default(args_class: type) -> None:
    for field in dataclasses.fields(args_class):
        doc = field.metadata.get("doc", "")
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        assert doc.endswith("Required." if required else "."), (args_class.__name__, field.name)
        assert required or "Default: " in doc, (args_class.__name__, field.name)
