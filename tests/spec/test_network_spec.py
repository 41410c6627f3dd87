"""Network and link spec: every way to be wrong is one located error, raised before any resource is registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stackfiles import WriteStack, reference_config

from inferfleet.errors import SpecError
from inferfleet.plan.planner import Planner
from inferfleet.spec import load_stack

FLEET = "inference-fleet:fleet"


def bare(like: str, **network: Any) -> dict[str, Any]:
    """A reference stack's config without pools or services (their checks are not the subject here)."""
    config = reference_config(like)
    fleet = config[FLEET]
    fleet["pools"], fleet["services"] = [], []
    fleet.pop("links", None)
    fleet["network"].update(network)
    return config


def load_error(stacks: Path, name: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_stack(stacks, name)
    return caught.value


def test_a_zone_outside_the_region(write_stack: WriteStack) -> None:
    stacks = write_stack("dev-x", bare("prod-cn-south", zones=["cn-south-1a", "cn-north-4a"]))
    error = load_error(stacks, "dev-x")
    assert (error.key_path, error.expectation) == (
        "fleet.network.zones[1]",
        "'cn-north-4a' is not a zone of region 'cn-south-1' on huaweicloud",
    )
    assert error.file.endswith("Pulumi.dev-x.yaml")


def test_a_subnet_outside_the_vpc(write_stack: WriteStack) -> None:
    stacks = write_stack("dev-x", bare("prod-cn-south", subnet_cidrs={"cn-south-1c": "10.99.0.0/24"}))
    error = load_error(stacks, "dev-x")
    assert (error.key_path, error.expectation) == (
        "fleet.network.subnet_cidrs.cn-south-1c",
        "10.99.0.0/24 is outside the VPC CIDR 10.20.0.0/16",
    )


def test_more_zones_than_the_cidr_holds(write_stack: WriteStack) -> None:
    zones = [f"us-west-2{letter}" for letter in "abcd"]
    stacks = write_stack("dev-y", bare("prod-us-west", cidr="10.50.0.0/27", zones=zones, subnet_prefix_length=28))
    error = load_error(stacks, "dev-y")
    assert error.key_path == "fleet.network.zones"
    assert error.expectation.startswith("4 zones do not fit in 10.50.0.0/27 with /28 subnets (room for 2)")


@pytest.mark.parametrize("bandwidth", [0, -100])
def test_bandwidth_must_be_positive(write_stack: WriteStack, bandwidth: int) -> None:
    config = bare("prod-cn-south")
    config[FLEET]["links"] = [{"stack": "prod-cn-north", "bandwidth_mbps": bandwidth}]
    error = load_error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.links[0].bandwidth_mbps"
    assert "greater than 0" in error.expectation


@pytest.mark.parametrize("key", ["ssh_cidrs", "peer_cidrs"])
def test_world_open_cidrs_are_refused(write_stack: WriteStack, key: str) -> None:
    error = load_error(write_stack("dev-x", bare("prod-cn-south", **{key: ["0.0.0.0/0"]})), "dev-x")
    assert error.key_path == f"fleet.network.{key}[0]"
    assert "never be open to 0.0.0.0/0" in error.expectation


def test_a_peer_cidr_inside_the_vpc_is_refused(write_stack: WriteStack) -> None:
    error = load_error(write_stack("dev-x", bare("prod-cn-south", peer_cidrs=["10.20.4.0/24"])), "dev-x")
    assert (error.key_path, error.expectation) == (
        "fleet.network.peer_cidrs[0]",
        "10.20.4.0/24 overlaps the VPC CIDR 10.20.0.0/16",
    )


IDC = {
    "name": "idc-1",
    "access_point_id": "ap-1",
    "line_operator": "CT",
    "bandwidth_mbps": 100,
    "vlan_id": 10,
    "local_gateway_ip": "10.255.0.1",
    "peer_gateway_ip": "10.255.0.2",
    "idc_cidrs": ["172.16.0.0/16"],
    "bgp_asn": 65001,
}


def test_hybrid_links_where_the_cloud_has_none(write_stack: WriteStack) -> None:
    error = load_error(write_stack("dev-x", bare("prod-cn-south", hybrid_links=[IDC])), "dev-x")
    assert (error.key_path, error.expectation) == (
        "fleet.network.hybrid_links",
        "not supported on huaweicloud (supported: alicloud, tencentcloud)",
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("vlan_id", 5000, "less than or equal to 2999"),
        ("peer_gateway_ip", "10.255.0.300", "IPv4"),
        ("peering_subnet_mask", "255.0.255.0", "is not an IPv4 netmask"),
        ("bandwidth_mbps", 0, "greater than 0"),
    ],
)
def test_bad_hybrid_link_fields(write_stack: WriteStack, key: str, value: Any, expected: str) -> None:
    config = bare("prod-cn-east", hybrid_links=[{**IDC, key: value}])
    error = load_error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == f"fleet.network.hybrid_links[0].{key}"
    assert expected in error.expectation


def test_links_share_one_qos_class(write_stack: WriteStack) -> None:
    config = bare("prod-cn-east")
    config[FLEET]["links"] = [
        {"stack": "prod-cn-beijing", "bandwidth_mbps": 100},
        {"stack": "prod-cn-shenzhen", "bandwidth_mbps": 100, "qos": "silver"},
    ]
    error = load_error(write_stack("dev-x", config), "dev-x")
    assert error.key_path == "fleet.links[1].qos"
    assert error.expectation.startswith("'silver' differs from links[0].qos 'gold'")


def linked_pair(write_stack: WriteStack, *, like: tuple[str, str], names: tuple[str, str]) -> tuple[dict, dict]:
    """Two stacks, the first linking to the second, each accepting the other's CIDR."""
    local, peer = bare(like[0]), bare(like[1])
    local_fleet, peer_fleet = local[FLEET], peer[FLEET]
    local_fleet["links"] = [{"stack": names[1], "bandwidth_mbps": 100}]
    local_fleet["network"]["peer_cidrs"] = [peer_fleet["network"]["cidr"]]
    peer_fleet["network"]["peer_cidrs"] = [local_fleet["network"]["cidr"]]
    return local, peer


def plan_error(
    write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch, local: dict, peer: dict, names: tuple[str, str]
) -> SpecError:
    write_stack(names[1], peer)
    stacks = write_stack(names[0], local)

    def no_program(*_: Any, **__: Any) -> None:
        raise AssertionError("a program ran: resources were registered before the link was checked")

    monkeypatch.setattr("inferfleet.plan.planner.run_program", no_program)
    with pytest.raises(SpecError) as caught:
        Planner(stacks).plan(names[0])
    assert caught.value.file.endswith(f"Pulumi.{names[0]}.yaml")
    return caught.value


HUAWEI = ("prod-cn-south", "prod-cn-north")
ALIBABA = ("prod-cn-east", "prod-cn-beijing")


def test_overlapping_cidrs_between_linked_stacks(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=ALIBABA, names=("dev-a", "dev-b"))
    peer[FLEET]["network"].update(cidr="10.30.128.0/17", peer_cidrs=[])
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.links[0].stack"
    assert error.expectation.startswith("the VPC CIDR 10.30.0.0/16 overlaps 10.30.128.0/17 of dev-b (")
    assert "Pulumi.dev-b.yaml: fleet.network.cidr); linked networks need disjoint address space" in error.expectation


def test_a_link_to_another_cloud(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=("prod-cn-east", "prod-cn-guangzhou"), names=("dev-a", "dev-b"))
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.links[0].stack"
    assert error.expectation.startswith("dev-b runs on tencentcloud (")
    assert error.expectation.endswith("this stack on alicloud: links join stacks of the same cloud")


def aws_in(region: str) -> dict[str, Any]:
    config = bare("prod-us-west", zones=[f"{region}a"])
    config["aws:region"] = config[FLEET]["region"] = region
    return config


@pytest.mark.parametrize(
    ("local_region", "peer_region"), [("cn-north-1", "us-west-2"), ("us-west-2", "cn-northwest-1")]
)
def test_aws_china_to_global_peering(
    write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch, local_region: str, peer_region: str
) -> None:
    local, peer = aws_in(local_region), aws_in(peer_region)
    peer[FLEET]["network"]["cidr"] = "10.51.0.0/16"
    local[FLEET]["links"] = [{"stack": "dev-b", "bandwidth_mbps": 100}]
    local[FLEET]["network"]["peer_cidrs"] = ["10.51.0.0/16"]
    peer[FLEET]["network"]["peer_cidrs"] = ["10.50.0.0/16"]
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.links[0].stack"
    assert "AWS China (cn-north-1, cn-northwest-1) cannot peer with global AWS regions" in error.expectation
    assert f"({local_region} <-> {peer_region})" in error.expectation


def test_a_link_inside_one_region(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=("prod-cn-south", "staging-cn-south"), names=("dev-a", "dev-b"))
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.links[0].stack"
    assert "the peer is in the same region 'cn-south-1'; a link joins two regions" in error.expectation


def test_the_peer_must_accept_this_stacks_traffic(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=HUAWEI, names=("dev-a", "dev-b"))
    peer[FLEET]["network"]["peer_cidrs"] = []
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.links[0].stack"
    assert error.expectation.startswith("dev-b does not accept this stack's traffic: add 10.20.0.0/16")
    assert error.expectation.endswith("Pulumi.dev-b.yaml")


def test_this_stack_must_accept_the_peers_traffic(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=HUAWEI, names=("dev-a", "dev-b"))
    local[FLEET]["network"]["peer_cidrs"] = ["192.168.0.0/16"]
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert (error.key_path, error.expectation) == (
        "fleet.network.peer_cidrs",
        "must include 10.21.0.0/16 (the CIDR of linked stack dev-b) so the model ports accept its traffic",
    )


def test_huaweicloud_links_need_a_project_id(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=HUAWEI, names=("dev-a", "dev-b"))
    del local[FLEET]["network"]["project_id"]
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert (error.key_path, error.expectation) == (
        "fleet.network.project_id",
        "required on huaweicloud when the stack has links (Cloud Connect needs it)",
    )


def test_a_huaweicloud_peer_without_project_id(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=HUAWEI, names=("dev-a", "dev-b"))
    del peer[FLEET]["network"]["project_id"]
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.links[0].stack"
    assert error.expectation.startswith("dev-b has no fleet.network.project_id (")


def test_every_link_problem_is_listed_at_once(write_stack: WriteStack, monkeypatch: pytest.MonkeyPatch) -> None:
    local, peer = linked_pair(write_stack, like=HUAWEI, names=("dev-a", "dev-b"))
    local[FLEET]["network"]["peer_cidrs"] = []
    del peer[FLEET]["network"]["project_id"]
    error = plan_error(write_stack, monkeypatch, local, peer, ("dev-a", "dev-b"))
    assert error.key_path == "fleet.network.peer_cidrs"
    assert "\n  also fleet.links[0].stack: dev-b has no fleet.network.project_id" in error.expectation
