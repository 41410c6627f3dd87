"""Pure validation of the inference service's inputs: one case per way to be wrong, each naming field and value."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest
from inferfleet_inference_service import (
    AcceleratorArgs,
    AutoscalingArgs,
    CanaryArgs,
    InferenceServiceArgs,
    ModelServerArgs,
    VmServiceArgs,
    validate_image,
    validate_inference_service,
    validate_vm_service,
)
from inferfleet_inference_service import args as args_module

DIGEST = "@sha256:" + "0" * 64
IMAGE = "swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server" + DIGEST
ASCEND = AcceleratorArgs(family="ascend", resource="huawei.com/Ascend910", per_replica=1, per_node=8)


def _service(**changes: Any) -> InferenceServiceArgs:
    base = InferenceServiceArgs(
        namespace="autoglm", image=IMAGE, server=ModelServerArgs(model_name="autoglm-phone-9b"), accelerator=ASCEND
    )
    return dataclasses.replace(base, **changes)


def test_every_args_field_documents_its_default_or_says_required() -> None:
    classes = [AcceleratorArgs, AutoscalingArgs, CanaryArgs, InferenceServiceArgs, ModelServerArgs, VmServiceArgs]
    for cls in classes:
        for item in dataclasses.fields(cls):
            doc = item.metadata.get("doc", "")
            required = item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
            assert ("Required." in doc) if required else ("Default:" in doc), f"{cls.__name__}.{item.name}: {doc!r}"


def test_valid_args_pass() -> None:
    validate_inference_service(_service())


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("registry.example.com/server:1.2.0", "is not pinned by digest"),
        ("registry.example.com/server:latest", "is not pinned by digest"),
        ("registry.example.com/server@sha256:abc", "malformed digest"),
    ],
)
def test_image_by_tag_or_bad_digest_is_refused(image: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        validate_image(image)
    assert image in str(caught.value)


def test_tag_and_digest_together_are_pinned() -> None:
    validate_image("registry.example.com/server:1.2.0" + DIGEST)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"namespace": "Bad_NS"}, "namespace: 'Bad_NS' is not a DNS label"),
        ({"replicas": 1, "min_available": 2}, "replicas: 1 is below the PodDisruptionBudget's minAvailable \\(2\\)"),
        ({"cpu": "eight"}, "cpu: 'eight' is not a Kubernetes quantity"),
        ({"memory": "64GB"}, "memory: '64GB' is not a Kubernetes quantity"),
        (
            {"accelerator": dataclasses.replace(ASCEND, per_replica=16)},
            "accelerator.per_replica: 16 must lie in 1-8",
        ),
        ({"accelerator": dataclasses.replace(ASCEND, family=cast(Any, "tpu"))}, "accelerator.family: 'tpu'"),
        ({"accelerator": dataclasses.replace(ASCEND, resource="gpu")}, "accelerator.resource: 'gpu'"),
        ({"server": ModelServerArgs(model_name="m", port=70000)}, "server.port: 70000"),
        ({"server": ModelServerArgs(model_name="m", health_path="health")}, "server.health_path: 'health'"),
        ({"server": ModelServerArgs(model_name="m", extra={"bad-key": 1})}, "server.extra: \\['bad-key'\\]"),
        ({"canary": CanaryArgs(image="r/s:2.0")}, "canary.image: 'r/s:2.0' is not pinned"),
        ({"canary": CanaryArgs(image=IMAGE, stages=(5, 120))}, "canary.stages: every weight must lie in 0-100"),
        ({"canary": CanaryArgs(image=IMAGE, stages=(-5, 20))}, "canary.stages: every weight must lie in 0-100"),
        ({"canary": CanaryArgs(image=IMAGE, stages=(20, 5, 100))}, "canary.stages: must strictly increase"),
        ({"canary": CanaryArgs(image=IMAGE, stages=(5, 5))}, "canary.stages: must strictly increase"),
        ({"canary": CanaryArgs(image=IMAGE, stage=3)}, "canary.stage: 3 is not a stage index \\(0-2\\)"),
        (
            {"autoscaling": AutoscalingArgs(min_replicas=1, max_replicas=4), "min_available": 2, "replicas": 2},
            "autoscaling.min_replicas: 1 is below the PodDisruptionBudget's minAvailable \\(2\\)",
        ),
        ({"autoscaling": AutoscalingArgs(min_replicas=4, max_replicas=2)}, "autoscaling.max_replicas: 2 is below"),
        (
            {"autoscaling": AutoscalingArgs(min_replicas=2, max_replicas=4, custom_metric="queue_depth")},
            "custom_metric and custom_target go together",
        ),
        ({"node_taints": [{"key": "gpu"}]}, "node_taints\\[0\\]"),
    ],
)
def test_each_bad_input_names_the_field_and_value(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_inference_service(_service(**changes))


def test_vm_args_are_validated() -> None:
    good = VmServiceArgs(name="autoglm", image=IMAGE, server=ModelServerArgs(model_name="m"), accelerator=ASCEND)
    validate_vm_service(good)
    with pytest.raises(ValueError, match="image: 'r/s:1' is not pinned"):
        validate_vm_service(dataclasses.replace(good, image="r/s:1"))
    with pytest.raises(ValueError, match="cache_dir: 'var/lib'"):
        validate_vm_service(dataclasses.replace(good, cache_dir="var/lib"))
    with pytest.raises(ValueError, match="name: 'Auto GLM'"):
        validate_vm_service(dataclasses.replace(good, name="Auto GLM"))


def test_the_families_the_args_accept_are_the_ones_the_container_knows() -> None:
    from inferfleet_inference_service.container import FAMILIES

    assert set(args_module.ACCELERATOR_FAMILIES) == set(FAMILIES)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"port": 9000}, r"\['PORT'\] are set by the module from the typed settings"),
        ({"ASCEND_VISIBLE_DEVICES": "0"}, r"\['ASCEND_VISIBLE_DEVICES'\] are set by the module"),
        ({"tp": 2, "TP": 4}, r"\['TP'\] are given more than once"),
    ],
)
def test_extra_settings_cannot_shadow_or_repeat_a_setting(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"server\.extra: " + message):
        validate_inference_service(_service(server=ModelServerArgs(model_name="m", extra=extra)))
