"""The network layer of the reference stacks and of compose_network itself, planned offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stackfiles import STACKS, reference_config

from inferfleet.compose.network import NetworkLayer, compose_network
from inferfleet.compose.providers import cloud_provider
from inferfleet.plan import plan_program
from inferfleet.plan.planner import Planner
from inferfleet.spec.load import parse_fleet

UNKNOWN = "(known after apply)"


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(Path(STACKS))


def of_type(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["type"] == type_]


def by_name(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan["resources"]}


def ingress(plan: dict[str, Any], rule_type: str, port_key: str, cidr_key: str) -> set[tuple[Any, str]]:
    return {
        (r["inputs"][port_key], r["inputs"][cidr_key])
        for r in of_type(plan, rule_type)
        if r["inputs"].get("direction", r["inputs"].get("type")) == "ingress"
    }


def test_huaweicloud_pair_links_through_cloud_connect_with_the_peers_planned_values(planner: Planner) -> None:
    plan = planner.plan("prod-cn-south")
    north = planner.plan("prod-cn-north")
    resources = by_name(plan)
    reference = resources["organization/inference-fleet/prod-cn-north"]
    assert (reference["type"], reference["op"]) == ("pulumi:pulumi:StackReference", "read")
    peer = resources["prod-cn-south-links-attach-prod-cn-north"]["inputs"]
    assert (peer["regionId"], peer["cidrs"], peer["instanceId"]) == ("cn-north-4", ["10.21.0.0/16"], UNKNOWN)
    assert peer["projectId"] == north["outputs"]["project_id"]
    local = resources["prod-cn-south-links-attach-prod-cn-south"]["inputs"]
    assert (local["regionId"], local["projectId"]) == ("cn-south-1", plan["outputs"]["project_id"])
    bandwidth = resources["prod-cn-south-links-inter-region-prod-cn-north"]["inputs"]
    assert (bandwidth["bandwidth"], bandwidth["inter_region_ids"]) == (1000, ["cn-south-1", "cn-north-4"])


def test_the_model_port_is_open_to_the_vpc_and_the_linked_stack_only(planner: Planner) -> None:
    plan = planner.plan("prod-cn-south")
    rules = ingress(plan, "huaweicloud:Vpc/secgroupRule:SecgroupRule", "ports", "remoteIpPrefix")
    assert rules == {("8000", "10.20.0.0/16"), ("8000", "10.21.0.0/16")}


def test_stack_outputs_carry_the_network_contract(planner: Planner) -> None:
    outputs = planner.plan("prod-cn-south")["outputs"]
    assert {"vpc_id", "vpc_cidr", "subnet_ids", "security_group_id", "subnet_cidrs"} <= set(outputs)
    assert outputs["vpc_cidr"] == "10.20.0.0/16"
    assert outputs["subnet_ids"] == {"cn-south-1a": UNKNOWN, "cn-south-1c": UNKNOWN}
    assert outputs["subnet_cidrs"] == {"cn-south-1a": "10.20.0.0/20", "cn-south-1c": "10.20.16.0/20"}
    assert set(outputs["link_attachment_ids"]) == {"prod-cn-south", "prod-cn-north"}


def test_prod_protects_the_network_staging_does_not(planner: Planner) -> None:
    prod = by_name(planner.plan("prod-cn-south"))
    staging = by_name(planner.plan("staging-cn-south"))
    assert prod["prod-cn-south-vpc"]["options"]["protect"] is True
    assert prod["prod-cn-south-links-connection"]["options"]["protect"] is True
    assert staging["staging-cn-south-vpc"]["options"]["protect"] is False


def test_alibaba_pair_with_an_idc_line_and_nat(planner: Planner) -> None:
    plan = planner.plan("prod-cn-east")
    resources = by_name(plan)
    peer = resources["prod-cn-east-links-attach-prod-cn-beijing"]["inputs"]
    assert (peer["childInstanceRegionId"], peer["childInstanceType"]) == ("cn-beijing", "VPC")
    limit = resources["prod-cn-east-links-bandwidth-limit-prod-cn-beijing"]["inputs"]
    assert (limit["regionIds"], limit["bandwidthLimit"]) == (["cn-shanghai", "cn-beijing"], 500)
    assert resources["prod-cn-east-links-attach-idc-sh1"]["inputs"]["childInstanceType"] == "VBR"
    assert "prod-cn-east-nat" in resources
    rules = ingress(plan, "alicloud:ecs/securityGroupRule:SecurityGroupRule", "portRange", "cidrIp")
    assert rules == {("8000/8000", "10.30.0.0/16"), ("8000/8000", "10.31.0.0/16"), ("8000/8000", "172.16.0.0/16")}


def test_unlinked_stacks_have_no_interconnect(planner: Planner) -> None:
    plan = planner.plan("prod-cn-guangzhou")
    assert not of_type(plan, "inferfleet:vpc:Interconnect")
    assert len(of_type(plan, "inferfleet:vpc:Vpc")) == 1


def aws_fleet_linked_to(peer: str) -> Any:
    fleet = reference_config("prod-us-west")["inference-fleet:fleet"]
    fleet["links"] = [{"stack": peer, "bandwidth_mbps": 100}]
    fleet["network"]["peer_cidrs"] = ["10.51.0.0/16"]
    return parse_fleet(fleet, "stacks/Pulumi.prod-us-west.yaml")


def test_aws_peer_side_provider_takes_the_peers_region_from_its_stack_outputs() -> None:
    fleet = aws_fleet_linked_to("prod-us-east")
    layers: list[NetworkLayer] = []
    peer_outputs = {
        "region": "us-east-1",
        "vpc_id": UNKNOWN,
        "vpc_cidr": "10.51.0.0/16",
        "subnet_ids": {"us-east-1a": UNKNOWN},
        "route_table_id": UNKNOWN,
    }

    def program() -> None:
        provider = cloud_provider("aws", "us-west-2")
        layers.append(compose_network(fleet, stack="prod-us-west", provider=provider, tags={"team": "t"}))

    plan = plan_program(program, stack="prod-us-west", stack_outputs={"prod-us-east": peer_outputs})
    resources = by_name(plan)
    peer_provider = resources["aws-prod-us-east"]
    assert peer_provider["inputs"]["region"] == "us-east-1"
    for name in ("prod-us-west-links-tgw-prod-us-east", "prod-us-west-links-peering-prod-us-east-accepter"):
        assert resources[name]["provider"] == peer_provider["urn"], name
    assert resources["prod-us-west-links-peering-prod-us-east"]["inputs"]["peerRegion"] == "us-east-1"
    route = resources["prod-us-west-links-vpc-route-prod-us-west-to-prod-us-east"]["inputs"]
    assert route["destinationCidrBlock"] == "10.51.0.0/16"
    (layer,) = layers
    assert set(layer.subnet_ids) == {"us-west-2a", "us-west-2b"}
    assert layer.subnet_cidrs == {"us-west-2a": "10.50.0.0/20", "us-west-2b": "10.50.16.0/20"}
    assert layer.vpc_cidr == "10.50.0.0/16"
