"""Pools and tuning in a stack file: each bad input is one located SpecError before anything is registered."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from inferfleet.errors import SpecError
from inferfleet.spec import load_stack

FLEET = "inference-fleet:fleet"
STACKS = Path(__file__).resolve().parents[2] / "stacks"
WriteStack = Callable[..., Path]
"""The `write_stack` fixture of tests/conftest.py."""


def reference_config(name: str) -> dict[str, Any]:
    """A fresh copy of a reference stack's config map."""
    document = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())
    return copy.deepcopy(document["config"])


def load_changed(write_stack: WriteStack, like: str, change: Any) -> SpecError:
    config = reference_config(like)
    change(config[FLEET])
    folder = write_stack(like, config)
    with pytest.raises(SpecError) as caught:
        load_stack(folder, like)
    return caught.value


def pool(fleet: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = fleet["pools"][0]
    return first


CASES = [
    (
        "prod-cn-south",
        lambda f: pool(f).update(accelerator="a100x"),
        "fleet.pools[0].accelerator",
        "'a100x' is not offered by huaweicloud in cn-south-1 (known: ascend-310, ascend-910b,",
    ),
    (
        "prod-us-west",
        lambda f: pool(f).update(flavor="p5.48xlarge"),
        "fleet.pools[0].flavor",
        "flavor 'p5.48xlarge' of nvidia-a10g is not offered by aws in us-west-2",
    ),
    (
        "prod-cn-north",
        lambda f: pool(f).update(count=9),
        "fleet.pools[0].count",
        "9 is above max_count (6)",
    ),
    (
        "prod-cn-north",
        lambda f: pool(f).update(min_count=7),
        "fleet.pools[0].min_count",
        "7 is above max_count (6)",
    ),
    (
        "prod-cn-north",
        lambda f: pool(f).update(count=1),
        "fleet.pools[0].count",
        "1 is below min_count (2)",
    ),
    (
        "prod-us-west",
        lambda f: pool(f).pop("cluster"),
        "fleet.pools[0].cluster",
        "required for placement kubernetes",
    ),
    (
        "staging-cn-south",
        lambda f: pool(f).update(cluster={"create": True}),
        "fleet.pools[0].cluster",
        "only applies to placement kubernetes, not standalone",
    ),
    (
        "prod-cn-east",
        lambda f: pool(f)["cluster"].update(pod_cidr="10.30.128.0/17"),
        "fleet.pools[0].cluster.pod_cidr",
        "10.30.128.0/17 overlaps the VPC CIDR 10.30.0.0/16",
    ),
    (
        "prod-cn-east",
        lambda f: pool(f)["cluster"].update(service_cidr="172.20.4.0/24"),
        "fleet.pools[0].cluster.service_cidr",
        "172.20.4.0/24 overlaps pod_cidr 172.20.0.0/16",
    ),
    (
        "staging-cn-south",
        lambda f: pool(f).update(accelerator="ascend-910b"),
        "fleet.pools[0].placement",
        "offered on huaweicloud only as kubernetes, not standalone",
    ),
    (
        "prod-cn-guangzhou",
        lambda f: pool(f).update(placement="scaling_group", cluster=None),
        "fleet.pools[0].data_disk_gb",
        "would be unencrypted",
    ),
    (
        "prod-cn-south",
        lambda f: f["tuning"].update(sysctl={"net.ipv4.tcp_bbr": 1}),
        "fleet.tuning.sysctl.net.ipv4.tcp_bbr",
        "not a known sysctl",
    ),
    (
        "prod-cn-south",
        lambda f: f["tuning"].update(sysctl={"net.ipv4.tcp_rmem": "4096 262144 65536"}),
        "fleet.tuning.sysctl.net.ipv4.tcp_rmem",
        "a buffer max must not be below its default",
    ),
    (
        "prod-cn-south",
        lambda f: f["tuning"].update(sysctl={"net.core.wmem_max": 262144, "net.core.wmem_default": 1048576}),
        "fleet.tuning.sysctl.net.core.wmem_max",
        "262144 is below net.core.wmem_default (1048576)",
    ),
    (
        "prod-cn-east",
        lambda f: pool(f).update(tuning={"profile": "edge", "block": {"nvme": {"scheduler": "cfq"}}}),
        "fleet.pools[0].tuning.block.nvme.scheduler",
        "'cfq' is not one of none, mq-deadline",
    ),
    (
        "prod-cn-east",
        lambda f: f["tuning"].update(block={"nvme": {"queue_depth": 64}}),
        "fleet.tuning.block.nvme.queue_depth",
        "not a known udev queue attribute",
    ),
    (
        "prod-cn-east",
        lambda f: f["tuning"].update(block={"nvme": {"nr_requests": 2047}}),
        "fleet.tuning.block.nvme.nr_requests",
        "2047 is above 1023: without a scheduler the kernel refuses more than the hardware queue depth",
    ),
    (
        "prod-cn-east",
        lambda f: f["tuning"].update(block={"virtio": {"scheduler": "none"}}),
        "fleet.tuning.block.virtio.nr_requests",
        "512 is above 128",
    ),
]


@pytest.mark.parametrize(("stack", "change", "key_path", "expectation"), CASES)
def test_bad_pool_or_tuning_is_located(
    write_stack: WriteStack, stack: str, change: Any, key_path: str, expectation: str
) -> None:
    error = load_changed(write_stack, stack, change)
    assert error.file.endswith(f"Pulumi.{stack}.yaml")
    assert error.key_path == key_path
    assert expectation in error.expectation


def test_user_data_over_the_cloud_limit(write_stack: WriteStack) -> None:
    # The VM's systemd unit carries the model settings; 36 KB of them cannot fit Huawei's 32 KB user data.
    def grow(fleet: dict[str, Any]) -> None:
        fleet["services"][0]["model"]["extra"] = {f"SETTING_{index}": "x" * 600 for index in range(60)}

    error = load_changed(write_stack, "staging-cn-south", grow)
    assert error.key_path == "fleet.pools[0]"
    assert "over the 32768-byte limit of huaweicloud:Ecs/instance:Instance.userData" in error.expectation


def test_reference_stacks_pools_pass(stacks_dir: Any) -> None:
    for name in ("prod-cn-south", "staging-cn-south", "prod-us-west"):
        fleet = load_stack(stacks_dir, name).fleet
        assert fleet.pools


def test_existing_cluster_with_its_kubeconfig_from_secret_config(write_stack: WriteStack) -> None:
    from inferfleet.plan import Planner

    config = reference_config("prod-us-west")
    pool(config[FLEET])["cluster"] = {"id": "fleet-west", "kubeconfig_key": "a10g-kubeconfig"}
    config[FLEET]["services"] = []  # the serving layer decides whether to deploy onto an existing cluster
    config["inference-fleet:a10g-kubeconfig"] = {"secure": "v1:AAAA"}
    plan = Planner(write_stack("prod-us-west", config)).plan("prod-us-west")
    types = {resource["type"] for resource in plan["resources"]}
    assert "aws:eks/cluster:Cluster" not in types
    (node_group,) = [r for r in plan["resources"] if r["type"] == "aws:eks/nodeGroup:NodeGroup"]
    assert node_group["inputs"]["clusterName"] == "fleet-west"
    assert plan["outputs"]["kubeconfigs"] == {"a10g": "(sensitive value)"}
    assert plan["outputs"]["pools"]["a10g"]["cluster_id"] == "fleet-west"


def test_kubeconfig_key_is_only_for_an_existing_cluster(write_stack: WriteStack) -> None:
    error = load_changed(write_stack, "prod-us-west", lambda f: pool(f)["cluster"].update(kubeconfig_key="k"))
    assert error.key_path == "fleet.pools[0].cluster"
    assert "`kubeconfig_key` is for an existing cluster" in error.expectation


def test_prod_protects_stateful_resources_and_staging_does_not(stacks_dir: Any) -> None:
    from inferfleet.plan import Planner

    planner = Planner(stacks_dir)
    staging = [r for r in planner.plan("staging-cn-south")["resources"] if r["module"] == "inferfleet-gpu-instance"]
    prod = [r for r in planner.plan("prod-cn-south")["resources"] if r["module"] == "inferfleet-gpu-instance"]
    assert not any(r["options"]["protect"] for r in staging)
    protected = {r["type"] for r in prod if r["options"]["protect"]}
    assert protected == {"huaweicloud:Dew/key:Key", "huaweicloud:Cce/cluster:Cluster"}
