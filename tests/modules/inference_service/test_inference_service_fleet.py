"""The serving layer inside whole reference stacks: placement, providers, tags, canary stages and promotion."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

import pytest
from stackfiles import STACKS, WriteStack, reference_config

from inferfleet.compose.tags import REQUIRED_TAG_KEYS
from inferfleet.plan import Planner

CANARY = "registry.cn-shanghai.aliyuncs.com/inference/autoglm-server@sha256:" + "7" * 64


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(STACKS)


def _kubernetes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan["resources"] if r["type"].startswith("kubernetes:")}


def _texts(value: Any) -> list[str]:
    """Every string in a value, base64 user data decoded as well."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if not isinstance(value, str):
        return []
    try:
        return [value, base64.b64decode(value, validate=True).decode()]
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return [value]


@pytest.mark.parametrize(
    ("stack", "device_flag"), [("staging-cn-south", "--device /dev/davinci0"), ("prod-cn-north", "--gpus all")]
)
def test_a_vm_pool_boots_the_server_as_a_systemd_unit(planner: Planner, stack: str, device_flag: str) -> None:
    plan = planner.plan(stack)
    assert not _kubernetes(plan)
    carriers = [r for r in plan["resources"] if any("inferfleet-autoglm.service" in t for t in _texts(r["inputs"]))]
    assert carriers, f"no resource of {stack} carries the unit in its user data"
    for resource in carriers:
        text = next(t for t in _texts(resource["inputs"]) if "ExecStart=/usr/bin/docker run" in t)
        assert device_flag in text
        assert 'MAX_BATCH_SIZE="16"' in text
    assert plan["outputs"]["services"]["autoglm"]["placement"] in ("standalone", "scaling_group")


@pytest.mark.parametrize("stack", ["prod-cn-south", "prod-cn-east", "prod-cn-guangzhou", "prod-us-west"])
def test_kubernetes_services_deploy_through_the_pool_cluster_provider(planner: Planner, stack: str) -> None:
    plan = planner.plan(stack)
    objects = _kubernetes(plan)
    assert "autoglm-deployment" in objects
    providers = {r["urn"]: r for r in plan["resources"] if r["type"] == "pulumi:providers:kubernetes"}
    assert {r["provider"] for r in objects.values()} <= set(providers)
    pools = {service["pool"] for service in plan["outputs"]["services"].values()}
    assert sorted(provider["name"] for provider in providers.values()) == sorted(f"{pool}-kubernetes" for pool in pools)
    for provider in providers.values():
        assert provider["inputs"]["kubeconfig"] == "(sensitive value)"  # the pool's secret kubeconfig output
    for resource in objects.values():
        labels = resource["inputs"]["metadata"]["labels"]
        assert set(REQUIRED_TAG_KEYS) <= set(labels), resource["name"]
        assert labels["stack"] == stack


def test_the_pool_decides_the_accelerator_resource_and_placement(planner: Planner) -> None:
    pod = _kubernetes(planner.plan("prod-cn-south"))["autoglm-deployment"]["inputs"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["huawei.com/Ascend910"] == "1"
    assert pod["nodeSelector"]
    assert {t["key"] for t in pod.get("tolerations", [])} >= {"huawei.com/Ascend910"}
    assert pod["imagePullSecrets"] == [{"name": "default-secret"}]  # CCE's SWR credentials


def test_the_plan_shows_the_canary_stage_of_each_service(planner: Planner) -> None:
    outputs = planner.plan("prod-cn-east")["outputs"]["services"]["autoglm"]
    assert (outputs["canary_stage"], outputs["canary_weight"]) == (0, 5)
    assert planner.plan("prod-us-west")["outputs"]["services"]["autoglm"]["canary_weight"] == 0


def _plan_east(write_stack: WriteStack, service_changes: dict[str, Any]) -> dict[str, Any]:
    write_stack("prod-cn-beijing", reference_config("prod-cn-beijing"))
    config = reference_config("prod-cn-east")
    service = config["inference-fleet:fleet"]["services"][0]
    service.update(service_changes)
    for key, value in list(service.items()):
        if value is None:
            del service[key]
    stacks: Path = write_stack("prod-cn-east", config)
    return Planner(stacks).plan("prod-cn-east")


def test_promotion_stage_by_stage_then_to_stable(write_stack: WriteStack) -> None:
    weights = []
    plans = []
    for stage in (0, 1, 2):
        plan = _plan_east(write_stack, {"canary": {"image": CANARY, "stage": stage}})
        ingress = _kubernetes(plan)["autoglm-canary-ingress"]["inputs"]["metadata"]["annotations"]
        weights.append(int(ingress["nginx.ingress.kubernetes.io/canary-weight"]))
        plans.append(plan)
    assert weights == [5, 20, 100]
    promoted = _plan_east(write_stack, {"image": CANARY, "canary": None})
    before, after = _kubernetes(plans[-1]), _kubernetes(promoted)
    assert sorted(set(before) - set(after)) == [
        "autoglm-canary-deployment",
        "autoglm-canary-disruption-budget",
        "autoglm-canary-ingress",
        "autoglm-canary-service",
    ]
    assert set(after) <= set(before)
    assert {name: r["urn"] for name, r in after.items()} == {name: before[name]["urn"] for name in after}
    image = after["autoglm-deployment"]["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == CANARY
    assert promoted["outputs"]["services"]["autoglm"]["canary_weight"] == 0
