"""GpuPool on each cloud x placement, planned under the mock runtime with the real SDK classes."""

from __future__ import annotations

import base64
import email
from typing import Any

import pulumi
import pytest
import yaml

from inferfleet.compose.providers import cloud_provider
from inferfleet.plan import plan_program
from inferfleet_gpu_instance import MARKER_PATH, ClusterArgs, GpuPool, GpuPoolArgs, load_catalog, resolve_tuning

TAGS = {"team": "t", "env": "prod", "cost-center": "cc", "stack": "s", "stack-version": "1.0.0"}
REGIONS = {"huaweicloud": "cn-north-4", "alicloud": "cn-beijing", "tencentcloud": "ap-guangzhou", "aws": "us-west-2"}
ACCELERATORS = {"huaweicloud": "nvidia-a100-80g", "alicloud": "nvidia-a10", "tencentcloud": "nvidia-a10", "aws": "nvidia-a10g"}
CLOUDS = tuple(REGIONS)
PLACEMENTS = ("standalone", "scaling_group", "kubernetes")


def pool_args(cloud: str, placement: str, **overrides: Any) -> GpuPoolArgs:
    values: dict[str, Any] = {
        "cloud": cloud,
        "region": REGIONS[cloud],
        "accelerator": ACCELERATORS[cloud],
        "placement": placement,
        "vpc_id": "vpc-1",
        "subnet_ids": {"zone-a": "subnet-a", "zone-b": "subnet-b"},
        "security_group_id": "sg-1",
        "count": 2,
        "min_count": 2,
        "max_count": 4,
        "tuning": resolve_tuning("high-bdp"),
        "tags": TAGS,
        "protect": True,
        "name_prefix": "s",
        "data_disk_gb": 0 if (cloud, placement) == ("tencentcloud", "scaling_group") else 200,
        "cluster": ClusterArgs(create=True) if placement == "kubernetes" else None,
    }
    values.update(overrides)
    return GpuPoolArgs(**values)


def plan_pool(args: GpuPoolArgs) -> tuple[dict[str, Any], dict[str, Any]]:
    holder: dict[str, GpuPool] = {}

    def program() -> None:
        provider = cloud_provider(args.cloud, args.region)
        holder["pool"] = GpuPool("gpu", args, pulumi.ResourceOptions(provider=provider))

    plan = plan_program(program, cloud=args.cloud, region=args.region, env="prod")
    component = next(r for r in plan["resources"] if r["type"] == "inferfleet:gpu_instance:GpuPool")
    return plan, component


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_smoke(cloud: str, placement: str) -> None:
    plan, component = plan_pool(pool_args(cloud, placement))
    for r in plan["resources"]:
        print(r["type"], r["name"], r["options"]["protect"], sorted(r["inputs"]))
    print(component["outputs"])
