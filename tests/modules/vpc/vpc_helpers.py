"""What the VPC module tests share: per-cloud facts about the plan, and plan-walking helpers."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TAGS = {"team": "t", "env": "prod", "cost-center": "cc", "stack": "s", "stack-version": "1.0.0"}


def _port(value: str | None) -> int | None:
    return None if value in (None, "-1/-1", "ALL") else int(str(value).split("/")[0])


@dataclass(frozen=True)
class CloudFacts:
    region: str
    peer_region: str
    zones: tuple[str, ...]
    vpc_type: str
    subnet_type: str
    group_type: str
    cidr_key: str
    zone_key: str
    rule: Callable[[dict[str, Any]], tuple[str, int | None, str]]
    """(direction, port, cidr) of a rule resource's inputs."""


CLOUDS: dict[str, CloudFacts] = {
    "huaweicloud": CloudFacts(
        "cn-south-1",
        "cn-north-4",
        ("cn-south-1a", "cn-south-1c"),
        "huaweicloud:Vpc/vpc:Vpc",
        "huaweicloud:Vpc/subnet:Subnet",
        "huaweicloud:Vpc/secgroup:Secgroup",
        "cidr",
        "availabilityZone",
        lambda i: (i["direction"], _port(i.get("ports")), i["remoteIpPrefix"]),
    ),
    "alicloud": CloudFacts(
        "cn-shanghai",
        "cn-beijing",
        ("cn-shanghai-e", "cn-shanghai-f"),
        "alicloud:vpc/network:Network",
        "alicloud:vpc/switch:Switch",
        "alicloud:ecs/securityGroup:SecurityGroup",
        "cidrBlock",
        "zoneId",
        lambda i: (i["type"], _port(i["portRange"]), i["cidrIp"]),
    ),
    "tencentcloud": CloudFacts(
        "ap-guangzhou",
        "ap-shanghai",
        ("ap-guangzhou-6", "ap-guangzhou-7"),
        "tencentcloud:Vpc/instance:Instance",
        "tencentcloud:Subnet/instance:Instance",
        "tencentcloud:Security/group:Group",
        "cidrBlock",
        "availabilityZone",
        lambda i: (i["type"], _port(i.get("portRange")), i["cidrIp"]),
    ),
    "aws": CloudFacts(
        "us-west-2",
        "us-east-1",
        ("us-west-2a", "us-west-2b"),
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/securityGroup:SecurityGroup",
        "cidrBlock",
        "availabilityZone",
        lambda i: (
            "ingress" if "fromPort" in i or i["ipProtocol"] == "tcp" else "egress",
            i.get("fromPort"),
            i["cidrIpv4"],
        ),
    ),
}

SDK = {
    "huaweicloud": "pulumi_huaweicloud",
    "alicloud": "pulumi_alicloud",
    "tencentcloud": "tencentcloud_iac_pulumi",
    "aws": "pulumi_aws",
}


def of_type(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [resource for resource in plan["resources"] if resource["type"] == type_]


def one(plan: dict[str, Any], type_: str) -> dict[str, Any]:
    (resource,) = of_type(plan, type_)
    return resource


def ancestors(plan: dict[str, Any], resource: dict[str, Any]) -> list[str]:
    by_urn = {r["urn"]: r for r in plan["resources"]}
    chain = []
    parent = resource.get("parent")
    while parent:
        chain.append(parent)
        parent = by_urn[parent].get("parent")
    return chain


def cidrs(values: list[str]) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(value) for value in values]
