"""`manifest_files`: one YAML per Kubernetes object of a plan, valid for the cluster's pinned version."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml
from inferfleet_inference_service import (
    AcceleratorArgs,
    CanaryArgs,
    InferenceService,
    InferenceServiceArgs,
    ModelServerArgs,
    validate_manifest,
)
from stackfiles import STACKS

from inferfleet.errors import PlanInputError
from inferfleet.plan import Planner, plan_program
from inferfleet.render.manifests import manifest_files
from inferfleet.spec import list_stacks, load_stack

IMAGE = "registry.example.com/inference/autoglm-server@sha256:" + "4" * 64
CANARY = "registry.example.com/inference/autoglm-server@sha256:" + "5" * 64


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    def program() -> None:
        for cluster in ("east", "west"):
            provider = k8s.Provider(f"{cluster}-kubernetes", kubeconfig=pulumi.Output.secret("apiVersion: v1"))
            InferenceService(
                f"autoglm-{cluster}",
                InferenceServiceArgs(
                    namespace="serving",
                    image=IMAGE,
                    server=ModelServerArgs(model_name="autoglm-phone-9b"),
                    accelerator=AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu", per_node=1),
                    canary=CanaryArgs(image=CANARY) if cluster == "east" else None,
                    tags={"team": "inference-platform"},
                    ingress_host=f"autoglm.{cluster}.inference.example.com",
                ),
                pulumi.ResourceOptions(provider=provider),
            )

    return plan_program(program)


def test_one_file_per_object_grouped_by_cluster_and_namespace(plan: dict[str, Any]) -> None:
    files = manifest_files(plan)
    objects = [r for r in plan["resources"] if r["type"].startswith("kubernetes:")]
    assert len(files) == len(objects) == 13 + 9
    assert "east-kubernetes/_cluster/namespace-serving.yaml" in files
    assert "west-kubernetes/_cluster/namespace-serving.yaml" in files
    assert "east-kubernetes/serving/deployment-autoglm-east-canary.yaml" in files
    assert "west-kubernetes/serving/ingress-autoglm-west.yaml" in files
    assert not any(name.startswith("west-kubernetes/") and "canary" in name for name in files)


def test_each_file_is_exactly_the_planned_object(plan: dict[str, Any]) -> None:
    files = manifest_files(plan)
    planned = {
        (r["provider"].rsplit("::", 1)[-1], r["inputs"]["kind"], r["inputs"]["metadata"]["name"]): r["inputs"]
        for r in plan["resources"]
        if r["type"].startswith("kubernetes:")
    }
    for name, text in files.items():
        manifest = yaml.safe_load(text)
        assert list(manifest)[:3] == ["apiVersion", "kind", "metadata"]
        assert manifest == planned[(name.split("/")[0], manifest["kind"], manifest["metadata"]["name"])]


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(item) for item in value]
    return value


def test_rendering_does_not_depend_on_the_order_of_keys_in_the_plan(plan: dict[str, Any]) -> None:
    files = manifest_files(plan)
    assert manifest_files(_reversed(plan)) == files
    deployment = next(text for name, text in files.items() if name.endswith("/deployment-autoglm-west.yaml"))
    assert deployment.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n")


def _stacks_with_clusters() -> list[str]:
    return [
        name
        for name in list_stacks(STACKS)
        if any(pool.cluster is not None for pool in load_stack(STACKS, name).fleet.pools)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", _stacks_with_clusters())
def test_reference_stack_manifests_are_valid_for_the_pinned_kubernetes_version(name: str) -> None:
    fleet = load_stack(STACKS, name).fleet
    (version,) = {pool.cluster.version for pool in fleet.pools if pool.cluster is not None}
    files = manifest_files(Planner(STACKS).plan(name))
    kinds = {yaml.safe_load(text)["kind"] for text in files.values()}
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler"} <= kinds
    assert {"PodDisruptionBudget", "Ingress", "NetworkPolicy"} <= kinds
    for text in files.values():
        manifest = yaml.safe_load(text)
        if manifest["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD: kubernetes-validate ships only the built-in API's schemas
        validate_manifest(manifest, version)


def test_every_reference_stack_deploys_a_service() -> None:
    for name in list_stacks(STACKS):
        assert load_stack(STACKS, name).fleet.services, name


def _broken(plan: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(plan)
    target = document
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


def _first_deployment(plan: dict[str, Any]) -> int:
    return next(i for i, r in enumerate(plan["resources"]) if r["type"] == "kubernetes:apps/v1:Deployment")


@pytest.mark.parametrize(
    ("change", "key_path", "expectation"),
    [
        (lambda p, i: _broken(p, ("resources",), {"a": 1}), "resources", "expected the list of planned resources"),
        (lambda p, i: _broken(p, ("resources", i), "text"), "resources[{i}]", "expected a resource mapping"),
        (lambda p, i: _broken(p, ("resources", i, "type"), 7), "resources[{i}].type", "expected the resource type"),
        (lambda p, i: _broken(p, ("resources", i, "inputs"), []), "resources[{i}].inputs", "as a mapping"),
        (
            lambda p, i: _broken(p, ("resources", i, "inputs", "kind"), KeyError),
            "resources[{i}].inputs.kind",
            "non-empty",
        ),
        (
            lambda p, i: _broken(p, ("resources", i, "inputs", "metadata", "name"), KeyError),
            "resources[{i}].inputs.metadata.name",
            "explicit object name",
        ),
    ],
)
def test_a_malformed_plan_is_a_located_plan_input_error(
    plan: dict[str, Any], change: Any, key_path: str, expectation: str
) -> None:
    index = _first_deployment(plan)
    with pytest.raises(PlanInputError) as caught:
        manifest_files(change(plan, index))
    assert caught.value.key_path == key_path.format(i=index)
    assert expectation in caught.value.expectation


def test_two_objects_rendering_to_one_file_are_refused(plan: dict[str, Any]) -> None:
    document = copy.deepcopy(plan)
    index = _first_deployment(document)
    document["resources"].append(copy.deepcopy(document["resources"][index]))
    with pytest.raises(PlanInputError, match="two objects of one kind and name"):
        manifest_files(document)
