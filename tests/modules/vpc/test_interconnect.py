"""The Interconnect component on each cloud: link resources, regions per side, providers, parents, outputs."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pulumi
import pytest
from inferfleet_vpc import HybridLinkArgs, Interconnect, InterconnectArgs, NetworkEndArgs, PeerLinkArgs
from vpc_helpers import CLOUDS, SDK, TAGS, ancestors, of_type, one

from inferfleet.errors import EngineError
from inferfleet.plan import plan_program

LOCAL_CIDR = "10.20.0.0/16"
PEER_CIDR = "10.21.0.0/16"
IDC = HybridLinkArgs(
    name="idc1",
    access_point_id="ap-1",
    line_operator="CT",
    port_type="10GBase-LR",
    bandwidth_mbps=1000,
    vlan_id=100,
    local_gateway_ip="10.255.0.1",
    peer_gateway_ip="10.255.0.2",
    peering_subnet_mask="255.255.255.252",
    idc_cidrs=("172.16.0.0/16",),
    bgp_asn=65001,
)


def plan_link(cloud: str, *, hybrid: bool = False, protect: bool = True, **overrides: Any) -> dict[str, Any]:
    facts = CLOUDS[cloud]
    ends: dict[str, Any] = {"route_table_id": None, "project_id": None, "subnet_ids": ()}
    if cloud == "aws":
        ends = {"route_table_id": "rtb-{}", "subnet_ids": ("subnet-{}-a", "subnet-{}-b")}
    if cloud == "huaweicloud":
        ends = {"project_id": "project-{}"}

    def end(name: str, region: str, cidr: str) -> NetworkEndArgs:
        values = {
            key: (tuple(v.format(name) for v in value) if isinstance(value, tuple) else value and value.format(name))
            for key, value in ends.items()
        }
        return NetworkEndArgs(name=name, region=region, vpc_id=f"vpc-{name}", cidr=cidr, **values)

    args = InterconnectArgs(
        cloud=cloud,  # type: ignore[arg-type]
        local=end("south", facts.region, LOCAL_CIDR),
        peers=(PeerLinkArgs(peer=end("north", facts.peer_region, PEER_CIDR), bandwidth_mbps=200),),
        hybrid_links=(IDC,) if hybrid else (),
        charge_type="postpaid",
        qos="platinum",
        tags=TAGS,
        protect=protect,
        **overrides,
    )

    def program() -> None:
        sdk = importlib.import_module(SDK[cloud])
        provider = sdk.Provider("local-provider", region=facts.region)
        peer_providers = {"north": sdk.Provider("peer-provider", region=facts.peer_region)} if cloud == "aws" else {}
        Interconnect("links", args, opts=pulumi.ResourceOptions(provider=provider), peer_providers=peer_providers)

    return plan_program(program, cloud=cloud, region=facts.region)


LINK_TYPES = {
    "huaweicloud": {
        "huaweicloud:Cc/connection:Connection": 1,
        "huaweicloud:Cc/networkInstance:NetworkInstance": 2,
        "pulumi-python:dynamic:Resource": 2,
    },
    "alicloud": {
        "alicloud:cen/instance:Instance": 1,
        "alicloud:cen/instanceAttachment:InstanceAttachment": 2,
        "alicloud:cen/bandwidthPackage:BandwidthPackage": 1,
        "alicloud:cen/bandwidthPackageAttachment:BandwidthPackageAttachment": 1,
        "alicloud:cen/bandwidthLimit:BandwidthLimit": 1,
    },
    "tencentcloud": {
        "tencentcloud:Ccn/instance:Instance": 1,
        "tencentcloud:Ccn/attachmentV2:AttachmentV2": 2,
        "tencentcloud:Ccn/bandwidthLimit:BandwidthLimit": 1,
    },
    "aws": {
        "aws:ec2transitgateway/transitGateway:TransitGateway": 2,
        "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 2,
        "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": 1,
        "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": 1,
        "aws:ec2transitgateway/route:Route": 2,
        "aws:ec2/route:Route": 2,
    },
}


def counted_types(plan: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in plan["resources"]:
        if resource["custom"] and not resource["type"].startswith("pulumi:providers:"):
            counts[resource["type"]] = counts.get(resource["type"], 0) + 1
    return counts


@pytest.fixture(scope="module", params=list(CLOUDS))
def planned(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, plan_link(request.param)


def test_the_link_is_built_from_the_clouds_interconnect_resources(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    assert counted_types(plan) == LINK_TYPES[cloud]


def test_everything_is_protected_and_under_the_component(planned: tuple[str, dict[str, Any]]) -> None:
    _, plan = planned
    component = one(plan, "inferfleet:vpc:Interconnect")
    for resource in plan["resources"]:
        if resource["custom"] and not resource["type"].startswith("pulumi:providers:"):
            assert component["urn"] in ancestors(plan, resource), resource["name"]
            assert resource["options"]["protect"] is True, resource["name"]
            if "tags" in resource["inputs"]:
                assert TAGS.items() <= resource["inputs"]["tags"].items(), resource["name"]


def test_outputs_name_every_attachment(planned: tuple[str, dict[str, Any]]) -> None:
    _, plan = planned
    outputs = one(plan, "inferfleet:vpc:Interconnect")["outputs"]
    assert set(outputs) == {f.name for f in dataclasses.fields(Interconnect)}
    assert set(outputs["attachment_ids"]) == {"south", "north"}


def test_alicloud_attaches_both_vpcs_and_limits_bandwidth_between_their_regions() -> None:
    plan = plan_link("alicloud")
    attachments = of_type(plan, "alicloud:cen/instanceAttachment:InstanceAttachment")
    assert sorted((a["inputs"]["childInstanceId"], a["inputs"]["childInstanceRegionId"]) for a in attachments) == [
        ("vpc-north", "cn-beijing"),
        ("vpc-south", "cn-shanghai"),
    ]
    package = one(plan, "alicloud:cen/bandwidthPackage:BandwidthPackage")["inputs"]
    assert (package["bandwidth"], package["paymentType"]) == (200, "PostPaid")
    assert (package["geographicRegionAId"], package["geographicRegionBId"]) == ("China", "China")
    limit = one(plan, "alicloud:cen/bandwidthLimit:BandwidthLimit")
    assert limit["inputs"]["regionIds"] == ["cn-shanghai", "cn-beijing"]
    assert limit["inputs"]["bandwidthLimit"] == 200
    package_attachment = one(plan, "alicloud:cen/bandwidthPackageAttachment:BandwidthPackageAttachment")
    assert package_attachment["urn"] in limit["options"]["depends_on"]


def test_tencentcloud_ccn_carries_qos_charge_type_and_an_inter_region_limit() -> None:
    plan = plan_link("tencentcloud")
    ccn = one(plan, "tencentcloud:Ccn/instance:Instance")["inputs"]
    assert (ccn["qos"], ccn["chargeType"], ccn["bandwidthLimitType"]) == ("PT", "POSTPAID", "INTER_REGION_LIMIT")
    limit = one(plan, "tencentcloud:Ccn/bandwidthLimit:BandwidthLimit")["inputs"]
    assert (limit["region"], limit["dstRegion"], limit["bandwidthLimit"]) == ("ap-guangzhou", "ap-shanghai", 200)
    attachments = of_type(plan, "tencentcloud:Ccn/attachmentV2:AttachmentV2")
    assert sorted((a["inputs"]["instanceId"], a["inputs"]["instanceRegion"]) for a in attachments) == [
        ("vpc-north", "ap-shanghai"),
        ("vpc-south", "ap-guangzhou"),
    ]


def test_huaweicloud_buys_bandwidth_between_the_two_regions() -> None:
    plan = plan_link("huaweicloud")
    instances = of_type(plan, "huaweicloud:Cc/networkInstance:NetworkInstance")
    assert sorted(
        (i["inputs"]["instanceId"], i["inputs"]["regionId"], i["inputs"]["projectId"], tuple(i["inputs"]["cidrs"]))
        for i in instances
    ) == [
        ("vpc-north", "cn-north-4", "project-north", (PEER_CIDR,)),
        ("vpc-south", "cn-south-1", "project-south", (LOCAL_CIDR,)),
    ]
    dynamic = {r["name"]: r for r in of_type(plan, "pulumi-python:dynamic:Resource")}
    package = dynamic["links-bandwidth-north"]["inputs"]
    assert package == {
        "__provider": "(serialized dynamic provider)",
        "name": "links-north",
        "project_id": "project-south",
        "local_area_id": "Chinese-Mainland",
        "remote_area_id": "Chinese-Mainland",
        "billing_mode": 3,
        "bandwidth": 200,
        "resource_id": "(known after apply)",
    }
    inter_region = dynamic["links-inter-region-north"]
    assert inter_region["inputs"]["inter_region_ids"] == ["cn-south-1", "cn-north-4"]
    assert inter_region["inputs"]["bandwidth"] == 200
    assert {i["urn"] for i in instances} <= set(inter_region["options"]["depends_on"])


def test_aws_builds_each_side_with_its_own_regions_provider() -> None:
    plan = plan_link("aws")
    by_name = {r["name"]: r for r in plan["resources"]}
    sides = {
        "local-provider": (
            "south",
            "links-peering-north",
            "links-tgw-route-south-to-north",
            "links-vpc-route-south-to-north",
        ),
        "peer-provider": (
            "north",
            "links-peering-north-accepter",
            "links-tgw-route-north-to-south",
            "links-vpc-route-north-to-south",
        ),
    }
    for provider, (end, *names) in sides.items():
        for name in [f"links-tgw-{end}", f"links-attach-{end}", *names]:
            assert by_name[name]["provider"].endswith(f"::{provider}"), name
    peering = by_name["links-peering-north"]["inputs"]
    assert peering["peerRegion"] == "us-east-1"
    assert by_name["links-vpc-route-south-to-north"]["inputs"]["destinationCidrBlock"] == PEER_CIDR
    assert by_name["links-vpc-route-south-to-north"]["inputs"]["routeTableId"] == "rtb-south"
    assert by_name["links-vpc-route-north-to-south"]["inputs"]["destinationCidrBlock"] == LOCAL_CIDR
    assert by_name["links-vpc-route-north-to-south"]["inputs"]["routeTableId"] == "rtb-north"
    assert by_name["links-tgw-route-south-to-north"]["inputs"]["destinationCidrBlock"] == PEER_CIDR
    assert by_name["links-tgw-route-north-to-south"]["inputs"]["destinationCidrBlock"] == LOCAL_CIDR
    accepter = by_name["links-peering-north-accepter"]["urn"]
    assert accepter in by_name["links-tgw-route-south-to-north"]["options"]["depends_on"]
    assert by_name["links-attach-north"]["inputs"]["subnetIds"] == ["subnet-north-a", "subnet-north-b"]


def test_aws_links_need_a_provider_for_each_peer() -> None:
    errors: list[ValueError] = []

    def program() -> None:
        end = NetworkEndArgs(name="a", region="us-west-2", vpc_id="v", cidr=LOCAL_CIDR, route_table_id="r")
        peer = NetworkEndArgs(name="b", region="us-east-1", vpc_id="w", cidr=PEER_CIDR, route_table_id="s")
        args = InterconnectArgs(cloud="aws", local=end, peers=(PeerLinkArgs(peer=peer, bandwidth_mbps=1),))
        try:
            Interconnect("links", args)
        except ValueError as error:
            errors.append(error)

    plan = plan_program(program)
    assert [str(e) for e in errors] == ["peer_providers: aws links need a provider for each peer, missing ['b']"]
    assert [r["type"] for r in plan["resources"]] == ["pulumi:pulumi:Stack"]


def test_aws_china_to_global_registers_nothing() -> None:
    errors: list[ValueError] = []

    def program() -> None:
        end = NetworkEndArgs(name="a", region="cn-north-1", vpc_id="v", cidr=LOCAL_CIDR, route_table_id="r")
        peer = NetworkEndArgs(name="b", region="us-west-2", vpc_id="w", cidr=PEER_CIDR, route_table_id="s")
        args = InterconnectArgs(cloud="aws", local=end, peers=(PeerLinkArgs(peer=peer, bandwidth_mbps=1),))
        try:
            Interconnect("links", args, peer_providers={})
        except ValueError as error:
            errors.append(error)

    plan = plan_program(program)
    assert len(errors) == 1
    assert "AWS China (cn-north-1, cn-northwest-1) cannot peer with global AWS regions" in str(errors[0])
    assert [r["type"] for r in plan["resources"]] == ["pulumi:pulumi:Stack"]


HYBRID_TYPES = {
    "alicloud": {
        "alicloud:expressconnect/physicalConnection:PhysicalConnection": 1,
        "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter": 1,
        "alicloud:vpc/bgpGroup:BgpGroup": 1,
        "alicloud:vpc/bgpPeer:BgpPeer": 1,
        "alicloud:cen/instanceAttachment:InstanceAttachment": 1,
    },
    "tencentcloud": {
        "tencentcloud:Dc/instance:Instance": 1,
        "tencentcloud:Dc/gateway:Gateway": 1,
        "tencentcloud:Dcx/instance:Instance": 1,
        "tencentcloud:Ccn/attachmentV2:AttachmentV2": 1,
    },
}


@pytest.mark.parametrize("cloud", list(HYBRID_TYPES))
def test_an_idc_line_joins_the_interconnect(cloud: str) -> None:
    plan = plan_link(cloud, hybrid=True)
    added = counted_types(plan)
    for type_, count in LINK_TYPES[cloud].items():
        added[type_] -= count
    assert {type_: count for type_, count in added.items() if count} == HYBRID_TYPES[cloud]
    outputs = one(plan, "inferfleet:vpc:Interconnect")["outputs"]
    assert set(outputs["attachment_ids"]) == {"south", "north", "idc1"}


def test_tencentcloud_idc_tunnel_speaks_bgp_on_the_declared_vlan() -> None:
    plan = plan_link("tencentcloud", hybrid=True)
    tunnel = one(plan, "tencentcloud:Dcx/instance:Instance")["inputs"]
    assert tunnel["networkType"] == "CCN"
    assert (tunnel["routeType"], tunnel["bgpAsn"], tunnel["vlan"]) == ("BGP", 65001, 100)
    assert (tunnel["tencentAddress"], tunnel["customerAddress"]) == ("10.255.0.1/30", "10.255.0.2/30")
    assert tunnel["routeFilterPrefixes"] == ["172.16.0.0/16"]


def test_alicloud_vbr_is_attached_to_the_cen_with_bgp_to_the_idc() -> None:
    plan = plan_link("alicloud", hybrid=True)
    vbr = one(plan, "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter")
    assert (vbr["inputs"]["vlanId"], vbr["inputs"]["peerGatewayIp"]) == (100, "10.255.0.2")
    attachment = next(
        a
        for a in of_type(plan, "alicloud:cen/instanceAttachment:InstanceAttachment")
        if a["inputs"]["childInstanceType"] == "VBR"
    )
    assert attachment["name"] == "links-attach-idc1"
    assert one(plan, "alicloud:vpc/bgpGroup:BgpGroup")["inputs"]["peerAsn"] == 65001
    assert one(plan, "alicloud:vpc/bgpPeer:BgpPeer")["inputs"]["peerIpAddress"] == "10.255.0.2"


def test_unprotected_when_asked() -> None:
    plan = plan_link("alicloud", protect=False)
    assert not any(r["options"]["protect"] for r in plan["resources"])


def test_a_peer_region_from_a_stack_reference_is_checked_when_it_resolves() -> None:
    def program() -> None:
        reference = pulumi.StackReference("organization/inference-fleet/prod-cn-aws")
        end = NetworkEndArgs(name="a", region="us-west-2", vpc_id="v", cidr=LOCAL_CIDR, route_table_id="r")
        peer = NetworkEndArgs(
            name="b", region=reference.require_output("region"), vpc_id="w", cidr=PEER_CIDR, route_table_id="s"
        )
        args = InterconnectArgs(cloud="aws", local=end, peers=(PeerLinkArgs(peer=peer, bandwidth_mbps=1),))
        provider = importlib.import_module("pulumi_aws").Provider("peer", region="cn-north-1")
        Interconnect("links", args, peer_providers={"b": provider})

    with pytest.raises(EngineError, match=r"AWS China \(cn-north-1, cn-northwest-1\) cannot peer with global AWS"):
        plan_program(program, stack_outputs={"prod-cn-aws": {"region": "cn-north-1"}})


def test_a_resolved_peer_region_reaches_the_link_resources() -> None:
    def program() -> None:
        reference = pulumi.StackReference("organization/inference-fleet/prod-us-east")
        end = NetworkEndArgs(name="a", region="us-west-2", vpc_id="v", cidr=LOCAL_CIDR, route_table_id="r")
        peer = NetworkEndArgs(
            name="b", region=reference.require_output("region"), vpc_id="w", cidr=PEER_CIDR, route_table_id="s"
        )
        args = InterconnectArgs(cloud="aws", local=end, peers=(PeerLinkArgs(peer=peer, bandwidth_mbps=1),))
        provider = importlib.import_module("pulumi_aws").Provider("peer", region="us-east-1")
        Interconnect("links", args, peer_providers={"b": provider})

    plan = plan_program(program, stack_outputs={"prod-us-east": {"region": "us-east-1"}})
    peering = one(plan, "aws:ec2transitgateway/peeringAttachment:PeeringAttachment")
    assert peering["inputs"]["peerRegion"] == "us-east-1"
