"""The Vpc component on each cloud, planned under the mock runtime with the real SDK classes."""

from __future__ import annotations

import dataclasses
import importlib
import ipaddress
from typing import Any

import pulumi
import pytest
from inferfleet_vpc import Vpc, VpcArgs
from vpc_helpers import CLOUDS, SDK, TAGS, ancestors, of_type, one

from inferfleet.plan import plan_program

VPC_CIDR = "10.20.0.0/16"
PEER_CIDR = "10.21.0.0/16"
ADMIN_CIDR = "192.0.2.0/24"


def plan_vpc(cloud: str, **overrides: Any) -> dict[str, Any]:
    facts = CLOUDS[cloud]
    values: dict[str, Any] = {
        "cloud": cloud,
        "region": facts.region,
        "cidr": VPC_CIDR,
        "zones": facts.zones,
        "model_ports": (8000,),
        "ssh_cidrs": (ADMIN_CIDR,),
        "peer_cidrs": (PEER_CIDR,),
        "tags": TAGS,
        "protect": True,
    }
    args = VpcArgs(**{**values, **overrides})

    def program() -> None:
        provider = importlib.import_module(SDK[cloud]).Provider("region-provider", region=facts.region)
        Vpc("net", args, opts=pulumi.ResourceOptions(provider=provider))

    return plan_program(program, cloud=cloud, region=facts.region)


@pytest.fixture(scope="module", params=list(CLOUDS))
def planned(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, plan_vpc(request.param)


def test_one_subnet_per_zone_inside_the_vpc_and_disjoint(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    facts = CLOUDS[cloud]
    subnets = of_type(plan, facts.subnet_type)
    assert sorted(s["inputs"][facts.zone_key] for s in subnets) == sorted(facts.zones)
    blocks = [ipaddress.IPv4Network(s["inputs"][facts.cidr_key]) for s in subnets]
    assert all(block.subnet_of(ipaddress.IPv4Network(VPC_CIDR)) for block in blocks)
    assert not blocks[0].overlaps(blocks[1])
    assert sorted(s["name"] for s in subnets) == sorted(f"net-subnet-{zone}" for zone in facts.zones)


def test_rules_are_exactly_the_declared_ones(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    facts = CLOUDS[cloud]
    group = one(plan, facts.group_type)
    rules = [r for r in plan["resources"] if r.get("parent") == group["urn"]]
    assert sorted(facts.rule(r["inputs"]) for r in rules) == sorted(
        [
            ("ingress", 8000, VPC_CIDR),
            ("ingress", 8000, PEER_CIDR),
            ("ingress", 22, ADMIN_CIDR),
            ("egress", None, "0.0.0.0/0"),
        ]
    )


def test_no_world_open_ingress(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    facts = CLOUDS[cloud]
    group = one(plan, facts.group_type)
    ingress = [facts.rule(r["inputs"]) for r in plan["resources"] if r.get("parent") == group["urn"]]
    assert all(cidr != "0.0.0.0/0" for direction, _, cidr in ingress if direction == "ingress")


def test_everything_is_under_the_component_with_the_explicit_provider(planned: tuple[str, dict[str, Any]]) -> None:
    _, plan = planned
    component = one(plan, "inferfleet:vpc:Vpc")
    custom = [r for r in plan["resources"] if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    assert custom
    for resource in custom:
        assert component["urn"] in ancestors(plan, resource), resource["name"]
        assert resource["provider"].endswith("::region-provider"), resource["name"]
        assert resource["module"] == "inferfleet-vpc"


def test_subnets_hang_under_the_vpc_and_rules_under_their_group(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    facts = CLOUDS[cloud]
    vpc = one(plan, facts.vpc_type)
    assert {s["parent"] for s in of_type(plan, facts.subnet_type)} == {vpc["urn"]}


def test_the_vpc_and_subnets_are_protected_the_rest_is_not(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    facts = CLOUDS[cloud]
    stateful = {facts.vpc_type, facts.subnet_type}
    for resource in plan["resources"]:
        if resource["custom"] and not resource["type"].startswith("pulumi:providers:"):
            assert resource["options"]["protect"] is (resource["type"] in stateful), resource["name"]


def test_tags_on_every_taggable_resource(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    facts = CLOUDS[cloud]
    for type_ in (facts.vpc_type, facts.subnet_type, facts.group_type):
        for resource in of_type(plan, type_):
            assert TAGS.items() <= resource["inputs"]["tags"].items()
    for resource in plan["resources"]:
        if "tags" in resource["inputs"]:
            assert TAGS.items() <= resource["inputs"]["tags"].items(), resource["name"]


def test_outputs_are_registered_with_the_declared_keys(planned: tuple[str, dict[str, Any]]) -> None:
    cloud, plan = planned
    outputs = one(plan, "inferfleet:vpc:Vpc")["outputs"]
    # Outputs that are None (no NAT; no route table on huaweicloud) are not registered at all.
    absent = {"nat_gateway_id"} | ({"route_table_id"} if cloud == "huaweicloud" else set())
    assert set(outputs) == {f.name for f in dataclasses.fields(Vpc)} - absent
    assert outputs["vpc_cidr"] == VPC_CIDR
    first, second = CLOUDS[cloud].zones
    assert outputs["subnet_cidrs"] == {first: "10.20.0.0/20", second: "10.20.16.0/20"}
    assert set(outputs["subnet_ids"]) == set(CLOUDS[cloud].zones)


def test_a_zone_outside_the_region_registers_nothing() -> None:
    errors: list[ValueError] = []

    def program() -> None:
        args = VpcArgs(cloud="huaweicloud", region="cn-south-1", cidr=VPC_CIDR, zones=("cn-north-4a",))
        try:
            Vpc("net", args)
        except ValueError as error:
            errors.append(error)

    plan = plan_program(program)
    assert [str(e) for e in errors] == ["zones: 'cn-north-4a' is not a zone of region 'cn-south-1' on huaweicloud"]
    assert [r["type"] for r in plan["resources"]] == ["pulumi:pulumi:Stack"]


NAT_TYPES = {
    "huaweicloud": {"huaweicloud:Nat/gateway:Gateway", "huaweicloud:Vpc/eip:Eip", "huaweicloud:Nat/snatRule:SnatRule"},
    "alicloud": {
        "alicloud:vpc/natGateway:NatGateway",
        "alicloud:ecs/eipAddress:EipAddress",
        "alicloud:ecs/eipAssociation:EipAssociation",
        "alicloud:vpc/snatEntry:SnatEntry",
    },
    "tencentcloud": {
        "tencentcloud:Nat/gateway:Gateway",
        "tencentcloud:Eip/instance:Instance",
        "tencentcloud:Route/tableEntry:TableEntry",
    },
    "aws": {"aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/route:Route"},
}


@pytest.mark.parametrize("cloud", list(CLOUDS))
def test_nat_gateway_adds_egress_resources(cloud: str) -> None:
    without = {r["type"] for r in plan_vpc(cloud)["resources"]}
    plan = plan_vpc(cloud, nat_gateway=True)
    added = {r["type"] for r in plan["resources"]} - without
    assert added == NAT_TYPES[cloud]
    assert one(plan, "inferfleet:vpc:Vpc")["outputs"]["nat_gateway_id"] == "(known after apply)"
