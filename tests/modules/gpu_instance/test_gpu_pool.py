"""GpuPool on each cloud x placement, planned under the mock runtime with the real SDK classes."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
import yaml
from inferfleet_gpu_instance import (
    MARKER_PATH,
    USER_DATA_FIELDS,
    ClusterArgs,
    GpuPool,
    GpuPoolArgs,
    load_catalog,
    resolve_tuning,
)

from inferfleet.compose.providers import cloud_provider
from inferfleet.errors import EngineError
from inferfleet.plan import plan_program

TAGS = {"team": "t", "env": "prod", "cost-center": "cc", "stack": "s", "stack-version": "1.0.0"}
REGIONS = {"huaweicloud": "cn-north-4", "alicloud": "cn-beijing", "tencentcloud": "ap-guangzhou", "aws": "us-west-2"}
ACCELERATORS = {
    "huaweicloud": "nvidia-a100-80g",
    "alicloud": "nvidia-a10",
    "tencentcloud": "nvidia-a10",
    "aws": "nvidia-a10g",
}
CLOUDS = tuple(REGIONS)
PLACEMENTS = ("standalone", "scaling_group", "kubernetes")
COMPONENT = "inferfleet:gpu_instance:GpuPool"


def pool_args(cloud: str, placement: str, **overrides: Any) -> GpuPoolArgs:
    values: dict[str, Any] = {
        "cloud": cloud,
        "region": REGIONS[cloud],
        "accelerator": ACCELERATORS[cloud],
        "placement": placement,
        "vpc_id": "vpc-1",
        "subnet_ids": {"zone-a": "subnet-a", "zone-b": "subnet-b"},
        "security_group_id": "sg-1",
        "count": 3,
        "min_count": 2,
        "max_count": 5,
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
    def program() -> None:
        provider = cloud_provider(args.cloud, args.region)
        GpuPool("gpu", args, pulumi.ResourceOptions(provider=provider))

    plan = plan_program(program, cloud=args.cloud, region=args.region, env="prod")
    component = next(r for r in plan["resources"] if r["type"] == COMPONENT)
    return plan, component


def children(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["custom"] and not r["type"].startswith("pulumi:")]


def at(node: Any, path: str) -> Any:
    for part in path.split("."):
        node = node[part]
    return node


def host_text(cloud: str, placement: str, plan: dict[str, Any]) -> str:
    """The user data as the host receives it, read from the plan's resource input and decoded."""
    field = USER_DATA_FIELDS[(cloud, placement)]
    type_token, _, path = field.resource.partition(".")
    resource = next(r for r in plan["resources"] if r["type"] == type_token)
    value = at(resource["inputs"], path)
    text = base64.b64decode(value).decode() if field.base64 else value
    if field.form == "mime":
        message = email.message_from_string(text, policy=email.policy.default)
        (part,) = [p for p in message.walk() if p.get_content_type() == "text/cloud-config"]
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        text = payload.decode()
    return str(text)


# What "every disk encrypted" and "no public IP" look like in each resource's inputs.
Check = Callable[[dict[str, Any]], bool]
ENCRYPTED: dict[str, Check] = {
    "huaweicloud:Ecs/instance:Instance": lambda i: (
        bool(i["systemDiskKmsKeyId"]) and all(d["kmsKeyId"] for d in i["dataDisks"])
    ),
    "huaweicloud:As/configuration:Configuration": lambda i: all(d["kmsId"] for d in i["instanceConfig"]["disks"]),
    "huaweicloud:Cce/nodePool:NodePool": lambda i: (
        bool(i["rootVolume"]["kmsKeyId"]) and all(d["kmsKeyId"] for d in i["dataVolumes"])
    ),
    "alicloud:ecs/instance:Instance": lambda i: (
        i["systemDiskEncrypted"] is True and all(d["encrypted"] is True for d in i["dataDisks"])
    ),
    "alicloud:ess/scalingConfiguration:ScalingConfiguration": lambda i: (
        i["systemDiskEncrypted"] is True and all(d["encrypted"] is True for d in i["dataDisks"])
    ),
    "alicloud:cs/nodePool:NodePool": lambda i: (
        i["systemDiskEncrypted"] is True and all(d["encrypted"] == "true" for d in i["dataDisks"])
    ),
    "tencentcloud:Instance/instance:Instance": lambda i: all(d["encrypt"] is True for d in i["dataDisks"]),
    "tencentcloud:As/scalingConfig:ScalingConfig": lambda i: "dataDisks" not in i,
    "tencentcloud:Kubernetes/nodePool:NodePool": lambda i: all(
        d["encrypt"] is True for d in i["autoScalingConfig"]["dataDisks"]
    ),
    "aws:ec2/instance:Instance": lambda i: (
        i["rootBlockDevice"]["encrypted"] is True and all(d["encrypted"] is True for d in i["ebsBlockDevices"])
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": lambda i: all(
        m["ebs"]["encrypted"] == "true" for m in i["blockDeviceMappings"]
    ),
}
NO_PUBLIC_IP: dict[str, Check] = {
    "huaweicloud:Ecs/instance:Instance": lambda i: not {"eipId", "eipType", "bandwidth"} & set(i),
    "huaweicloud:As/configuration:Configuration": lambda i: "publicIp" not in i["instanceConfig"],
    "alicloud:ecs/instance:Instance": lambda i: i["internetMaxBandwidthOut"] == 0,
    "alicloud:ess/scalingConfiguration:ScalingConfiguration": lambda i: i["internetMaxBandwidthOut"] == 0,
    "alicloud:cs/nodePool:NodePool": lambda i: i["internetMaxBandwidthOut"] == 0,
    "tencentcloud:Instance/instance:Instance": lambda i: i["allocatePublicIp"] is False,
    "tencentcloud:As/scalingConfig:ScalingConfig": lambda i: i["publicIpAssigned"] is False,
    "tencentcloud:Kubernetes/nodePool:NodePool": lambda i: i["autoScalingConfig"]["publicIpAssigned"] is False,
    "aws:ec2/instance:Instance": lambda i: i["associatePublicIpAddress"] is False,
    "aws:ec2/launchTemplate:LaunchTemplate": lambda i: all(
        n["associatePublicIpAddress"] == "false" for n in i["networkInterfaces"]
    ),
}
UNTAGGABLE = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:autoscaling/group:Group",
    "huaweicloud:As/configuration:Configuration",
}
"""Types without a `tags` map (the ASG takes a list of tags; a Huawei AS configuration none, its group has them)."""


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_pool_resources_follow_the_fleet_rules(cloud: str, placement: str) -> None:
    plan, component = plan_pool(pool_args(cloud, placement))
    resources = children(plan)
    offering = load_catalog().lookup(cloud, REGIONS[cloud], ACCELERATORS[cloud])
    disk_bearing = [r for r in resources if r["type"] in ENCRYPTED]
    assert disk_bearing, "a pool always has a resource that defines its disks"
    for resource in resources:
        assert resource["parent"] == component["urn"], resource["name"]
        assert resource["name"].startswith("gpu-"), resource["name"]
        if resource["type"] in ENCRYPTED:
            assert ENCRYPTED[resource["type"]](resource["inputs"]), f"unencrypted disk on {resource['name']}"
        if resource["type"] in NO_PUBLIC_IP:
            assert NO_PUBLIC_IP[resource["type"]](resource["inputs"]), f"public IP on {resource['name']}"
        if resource["type"] not in UNTAGGABLE:
            assert TAGS.items() <= resource["inputs"]["tags"].items(), resource["name"]
    outputs = component["outputs"]
    assert outputs["flavor"] == offering.flavor
    assert outputs["accelerators_per_node"] == offering.accelerators_per_node
    assert outputs["device_plugin_resource"] == "nvidia.com/gpu"
    assert outputs["placement"] == placement
    assert outputs["tuning_profile"] == "high-bdp"
    expected_max = 3 if placement == "standalone" else 5
    assert (outputs["nodes"], outputs["max_nodes"]) == (3, expected_max)
    assert outputs["max_accelerators"] == expected_max * offering.accelerators_per_node
    # None-valued outputs (group_id of a node pool, ...) are left out of the plan document.
    declared = {output.name for output in dataclasses.fields(GpuPool)}
    assert declared - {"group_id", "node_pool_id", "cluster_id"} <= set(outputs) <= declared


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_user_data_in_the_plan_applies_the_profile(cloud: str, placement: str) -> None:
    tuning = resolve_tuning("high-bdp", {"net.core.somaxconn": 12345})
    plan, _ = plan_pool(pool_args(cloud, placement, tuning=tuning))
    text = host_text(cloud, placement, plan)
    for expected in (
        "net.core.default_qdisc = fq",
        "net.ipv4.tcp_congestion_control = bbr",
        "net.core.rmem_max = 268435456",
        "net.ipv4.tcp_rmem = 4096 1048576 268435456",
        "net.core.somaxconn = 12345",
        "tcp_bbr",
        'ATTR{queue/scheduler}="none"',
        "udevadm",
        "nvidia-ctk",
        MARKER_PATH,
        f"sha256={tuning.digest()}",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("cloud", CLOUDS)
def test_standalone_instances_spread_over_zones_with_the_catalog_flavor(cloud: str) -> None:
    plan, component = plan_pool(pool_args(cloud, "standalone", count=3, min_count=None, max_count=None))
    instances = [r for r in children(plan) if r["type"] in NO_PUBLIC_IP and "-node-" in r["name"]]
    assert [r["name"] for r in instances] == ["gpu-node-0", "gpu-node-1", "gpu-node-2"]
    subnets = [str(r["inputs"]) for r in instances]
    assert ["subnet-a" in s for s in subnets] == [True, False, True]
    flavor = load_catalog().lookup(cloud, REGIONS[cloud], ACCELERATORS[cloud]).flavor
    assert all(flavor in str(r["inputs"]) for r in instances)
    assert all(r["options"]["protect"] for r in instances)
    assert len(component["outputs"]["instance_ids"]) == 3


SIZE_INPUTS = {
    "huaweicloud:As/group:Group": ("minInstanceNumber", "maxInstanceNumber", "desireInstanceNumber"),
    "alicloud:ess/scalingGroup:ScalingGroup": ("minSize", "maxSize", "desiredCapacity"),
    "tencentcloud:As/scalingGroup:ScalingGroup": ("minSize", "maxSize", "desiredCapacity"),
    "aws:autoscaling/group:Group": ("minSize", "maxSize", "desiredCapacity"),
    "huaweicloud:Cce/nodePool:NodePool": ("minNodeCount", "maxNodeCount", "initialNodeCount"),
    "alicloud:cs/nodePool:NodePool": ("scalingConfig.minSize", "scalingConfig.maxSize", None),
    "tencentcloud:Kubernetes/nodePool:NodePool": ("minSize", "maxSize", "desiredCapacity"),
    "aws:eks/nodeGroup:NodeGroup": ("scalingConfig.minSize", "scalingConfig.maxSize", "scalingConfig.desiredSize"),
}


@pytest.mark.parametrize("placement", ["scaling_group", "kubernetes"])
@pytest.mark.parametrize("cloud", CLOUDS)
def test_groups_and_node_pools_take_min_max_desired(cloud: str, placement: str) -> None:
    plan, _ = plan_pool(pool_args(cloud, placement))
    (group,) = [r for r in children(plan) if r["type"] in SIZE_INPUTS]
    low, high, desired = SIZE_INPUTS[group["type"]]
    assert (at(group["inputs"], low), at(group["inputs"], high)) == (2, 5)
    if desired:
        assert at(group["inputs"], desired) == 3


@pytest.mark.parametrize("cloud", CLOUDS)
def test_node_pools_are_labelled_tainted_and_expose_the_cluster(cloud: str) -> None:
    plan, component = plan_pool(pool_args(cloud, "kubernetes"))
    outputs = component["outputs"]
    assert outputs["node_labels"]["inferfleet.io/accelerator"] == ACCELERATORS[cloud]
    assert outputs["node_taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
    assert outputs["kubeconfig"] == "(sensitive value)"
    assert outputs["cluster_id"] == "(known after apply)"
    pool = next(r for r in children(plan) if r["type"] in SIZE_INPUTS)
    rendered = str(pool["inputs"].get("taints"))
    assert "nvidia.com/gpu" in rendered
    assert ("NO_SCHEDULE" if cloud == "aws" else "NoSchedule") in rendered
    clusters = [r for r in children(plan) if r["type"].endswith(("luster:Cluster", "Kubernetes:ManagedKubernetes"))]
    assert clusters
    assert all(r["options"]["protect"] for r in clusters)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_existing_cluster_is_joined_not_created(cloud: str) -> None:
    plan, component = plan_pool(pool_args(cloud, "kubernetes", cluster=ClusterArgs(id="cls-existing")))
    assert not [r for r in children(plan) if "luster:Cluster" in r["type"] or "ManagedKubernetes" in r["type"]]
    assert component["outputs"]["cluster_id"] == "cls-existing"
    assert "cls-existing" in str([r["inputs"] for r in children(plan)])


def test_ascend_on_cce_is_a_bare_metal_node_pool_with_the_ascend_plugin() -> None:
    args = pool_args("huaweicloud", "kubernetes", region="cn-south-1", accelerator="ascend-910b")
    plan, component = plan_pool(args)
    (node_pool,) = [r for r in children(plan) if r["type"] == "huaweicloud:Cce/nodePool:NodePool"]
    assert node_pool["inputs"]["type"] == "ElasticBMS"
    assert component["outputs"]["device_plugin_resource"] == "huawei.com/Ascend910"
    assert component["outputs"]["accelerators_per_node"] == 8
    script = host_text("huaweicloud", "kubernetes", plan)
    assert "npu-smi info" in script
    assert "nvidia" not in script


def test_extra_cloud_config_is_merged_after_the_tuning() -> None:
    extra = {
        "write_files": [{"path": "/etc/systemd/system/x.service", "content": "[Service]\n"}],
        "runcmd": [["systemctl", "enable", "--now", "x.service"]],
    }
    plan, _ = plan_pool(pool_args("aws", "standalone", extra_cloud_config=extra))
    document = yaml.safe_load(host_text("aws", "standalone", plan))
    assert document["write_files"][-1]["path"] == "/etc/systemd/system/x.service"
    assert document["runcmd"][-1] == ["systemctl", "enable", "--now", "x.service"]
    assert document["runcmd"][0] == ["modprobe", "tcp_bbr"]


def test_unprotected_pool_protects_nothing() -> None:
    plan, _ = plan_pool(pool_args("huaweicloud", "standalone", protect=False))
    assert not any(r["options"]["protect"] for r in children(plan))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"accelerator": "a100x"}, "accelerator: 'a100x' is not offered by aws in us-west-2"),
        ({"flavor": "p9.huge"}, "flavor: flavor 'p9.huge' of nvidia-a10g is not offered"),
        ({"count": 9}, "count: 9 is outside [min_count 2, max_count 5]"),
        ({"min_count": 6}, "min_count: 6 is above max_count 5"),
        ({"subnet_ids": {}}, "subnet_ids: empty"),
        ({"cluster": ClusterArgs(create=True)}, "cluster: only applies to placement kubernetes"),
        ({"system_disk_gb": 10}, "system_disk_gb: 10 is outside [40, 2048]"),
    ],
)
def test_bad_args_fail_before_anything_is_registered(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(EngineError) as caught:
        plan_pool(pool_args("aws", "standalone", **overrides))
    assert message in str(caught.value)


def test_aws_launch_templates_resize_the_root_device_of_their_image() -> None:
    group_plan, _ = plan_pool(pool_args("aws", "scaling_group"))
    node_plan, _ = plan_pool(pool_args("aws", "kubernetes"))
    for plan, root in ((group_plan, "/dev/sda1"), (node_plan, "/dev/xvda")):
        (template,) = [r for r in children(plan) if r["type"] == "aws:ec2/launchTemplate:LaunchTemplate"]
        devices = [(m["deviceName"], m["ebs"]["volumeSize"]) for m in template["inputs"]["blockDeviceMappings"]]
        assert devices == [(root, 100), ("/dev/sdf", 200)]
    (group_template,) = [r for r in children(group_plan) if r["type"] == "aws:ec2/launchTemplate:LaunchTemplate"]
    assert group_template["inputs"]["imageId"].startswith("resolve:ssm:/aws/service/deeplearning/")


@pytest.mark.parametrize(
    ("image", "argument"), [("HCE OS 2.0 GPU", "imageName"), ("0b1c3e5f-8d2a-4c6e-9f10-1a2b3c4d5e6f", "imageId")]
)
def test_huawei_instances_take_an_image_by_name_or_id(image: str, argument: str) -> None:
    plan, _ = plan_pool(pool_args("huaweicloud", "standalone", image=image))
    instance = next(r for r in children(plan) if r["type"] == "huaweicloud:Ecs/instance:Instance")
    assert instance["inputs"][argument] == image
