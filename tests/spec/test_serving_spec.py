"""The serving section of the stack spec: every way to be wrong is one located error, before any resource."""

from __future__ import annotations

from typing import Any

import pytest
from stackfiles import WriteStack, reference_config

from inferfleet.errors import SpecError
from inferfleet.plan import Planner
from inferfleet.spec import load_stack
from inferfleet.spec.serving import ServiceSpec, advance_canary, promote_canary

DIGEST = "@sha256:" + "9" * 64
CANARY_IMAGE = "swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server" + DIGEST


def _error(write_stack: WriteStack, like: str, change: Any) -> SpecError:
    config = reference_config(like)
    change(config["inference-fleet:fleet"])
    stacks = write_stack("dev-x", config, like=like)
    with pytest.raises(SpecError) as caught:
        Planner(stacks).plan("dev-x")
    assert caught.value.file.endswith("Pulumi.dev-x.yaml")
    return caught.value


def _service(fleet: dict[str, Any], **changes: Any) -> None:
    fleet["services"][0].update(changes)


@pytest.mark.parametrize(
    ("like", "change", "key_path", "expectation"),
    [
        (
            "prod-cn-south",
            lambda f: _service(f, image="swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server:1.4.0"),
            "fleet.services[0].image",
            "is not pinned by digest (expected repo@sha256:<64 hex digits>)",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, canary={"image": "registry.example.com/server:next"}),
            "fleet.services[0].canary.image",
            "'registry.example.com/server:next' is not pinned by digest",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, replicas=2, min_available=3),
            "fleet.services[0].replicas",
            "2 is below min_available (3)",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, replicas=3, min_available=2, autoscaling={"min_replicas": 1}),
            "fleet.services[0].autoscaling.min_replicas",
            "1 is below min_available (2)",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, replicas=1, min_available=1),
            "fleet.services[0].replicas",
            "prod services run at least 2 replicas",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, canary={"image": CANARY_IMAGE, "stages": [5, 120]}),
            "fleet.services[0].canary",
            "every stage weight must lie in 0-100, got [5, 120]",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, canary={"image": CANARY_IMAGE, "stages": [20, 5, 100]}),
            "fleet.services[0].canary",
            "stages must strictly increase, got [20, 5, 100]",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, canary={"image": CANARY_IMAGE, "stage": 3}),
            "fleet.services[0].canary",
            "stage 3 is past the last stage (0-2)",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, accelerators_per_replica=16),
            "fleet.services[0].accelerators_per_replica",
            "16 is more than one node of pool 'ascend' has (8 x ascend-910b",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, accelerator_family="nvidia"),
            "fleet.services[0].accelerator_family",
            "the image is built for nvidia, but pool 'ascend' has ascend-910b (ascend)",
        ),
        (
            "prod-cn-south",
            lambda f: f["pools"][0]["cluster"].update(version="1.19"),
            "fleet.pools[0].cluster.version",
            "Kubernetes 1.19 is not known to the manifest validator (kubernetes-validate knows 1.25-",
        ),
        (
            "prod-cn-south",
            lambda f: f["pools"][0]["cluster"].update(version="1.99"),
            "fleet.pools[0].cluster.version",
            "Kubernetes 1.99 is not known to the manifest validator",
        ),
        (
            "prod-cn-south",
            lambda f: f["services"].append({**f["services"][0], "name": "autoglm-b", "namespace": "autoglm"}),
            "fleet.services[1].namespace",
            "namespace 'autoglm' is already used by service 'autoglm'",
        ),
        (
            "prod-cn-south",
            lambda f: f["pools"][0].update(cluster={"id": "c-0123456789", "version": "1.31"}),
            "fleet.pools[0].cluster.kubeconfig_key",
            "required: service 'autoglm' deploys to the existing cluster 'c-0123456789'",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, cpu="eight"),
            "fleet.services[0].cpu",
            "String should match pattern",
        ),
        (
            "prod-cn-north",
            lambda f: _service(f, canary={"image": CANARY_IMAGE}),
            "fleet.services[0].canary",
            "a canary needs a kubernetes pool; pool 'nvidia' is scaling_group",
        ),
        (
            "prod-cn-north",
            lambda f: f["services"].append({**f["services"][0], "name": "second"}),
            "fleet.services[1].pool",
            "pool 'nvidia' (scaling_group) already runs service 'autoglm'",
        ),
        (
            "prod-cn-north",
            lambda f: _service(f, service_monitor=True),
            "fleet.services[0].service_monitor",
            "applies to placement kubernetes only; pool 'nvidia' is scaling_group",
        ),
        (
            "staging-cn-south",
            lambda f: _service(f, replicas=3),
            "fleet.services[0].replicas",
            "applies to placement kubernetes only; pool 'ascend' is standalone",
        ),
        (
            "prod-cn-north",
            lambda f: _service(f, accelerator_family="ascend"),
            "fleet.services[0].accelerator_family",
            "the image is built for ascend, but pool 'nvidia' has nvidia-a100-80g (nvidia)",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, model={"name": "m", "extra": {"bad-key": 1}}),
            "fleet.services[0].model.extra",
            "extra setting names must be environment-variable names",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, model={"name": "m", "extra": {"max_batch_size": 64}}),
            "fleet.services[0].model.extra",
            "['MAX_BATCH_SIZE'] are set by the module from the typed settings; use those fields instead",
        ),
        (
            "prod-cn-south",
            lambda f: f["services"][0].pop("tls"),
            "fleet.services[0].tls",
            "required in prod for the Ingress of 'autoglm.cn-south.inference.example.com': give secret_name",
        ),
        (
            "prod-cn-south",
            lambda f: f["services"][0].pop("ingress_host"),
            "fleet.services[0].tls",
            "needs ingress_host: without a host there is no Ingress to serve TLS",
        ),
        (
            "prod-cn-east",
            lambda f: (f["services"][0].pop("ingress_host"), f["services"][0].pop("tls")),
            "fleet.services[0].canary",
            "needs ingress_host: the canary's share of the traffic is an NGINX canary Ingress",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, tls={"secret_name": "autoglm-tls", "cluster_issuer": "letsencrypt"}),
            "fleet.services[0].tls",
            "give exactly one of secret_name (an existing certificate) and cluster_issuer",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, ingress_host="*.inference.example.com"),
            "fleet.services[0].ingress_host",
            "String should match pattern",
        ),
        (
            "prod-cn-south",
            lambda f: _service(f, egress_cidrs=["100.125.0.0/16", "0.0.0.0/0"]),
            "fleet.services[0].egress_cidrs[1]",
            "must never be open to 0.0.0.0/0",
        ),
        (
            "prod-cn-north",
            lambda f: _service(f, tls={"secret_name": "autoglm-tls"}),
            "fleet.services[0].tls",
            "applies to placement kubernetes only; pool 'nvidia' is scaling_group",
        ),
    ],
)
def test_bad_serving_input_is_one_located_error(
    write_stack: WriteStack, like: str, change: Any, key_path: str, expectation: str
) -> None:
    error = _error(write_stack, like, change)
    assert error.key_path == key_path
    assert expectation in error.expectation
    assert str(error).startswith(f"{error.file}: {key_path}: ")


def test_a_service_on_an_existing_cluster_deploys_with_the_named_kubeconfig(write_stack: WriteStack) -> None:
    config = reference_config("prod-cn-south")
    config["inference-fleet:fleet"]["pools"][0]["cluster"] = {
        "id": "c-0123456789",
        "version": "1.31",
        "kubeconfig_key": "ascend-kubeconfig",
    }
    config["inference-fleet:ascend-kubeconfig"] = "apiVersion: v1"
    del config["inference-fleet:fleet"]["links"]
    plan = Planner(write_stack("dev-x", config, like="prod-cn-south")).plan("dev-x")
    provider = next(r for r in plan["resources"] if r["type"] == "pulumi:providers:kubernetes")
    assert provider["name"] == "ascend-kubernetes"
    assert provider["inputs"]["kubeconfig"] == "(sensitive value)"
    assert any(r["type"] == "kubernetes:apps/v1:Deployment" for r in plan["resources"])


def test_several_serving_problems_are_reported_at_once(write_stack: WriteStack) -> None:
    error = _error(
        write_stack,
        "prod-cn-south",
        lambda f: _service(f, image="server:latest", accelerators_per_replica=16),
    )
    assert error.key_path == "fleet.services[0].image"
    assert "also fleet.services[0].accelerators_per_replica: 16 is more than" in error.expectation


def _canary_service(stage: int) -> ServiceSpec:
    fleet = reference_config("prod-cn-south")["inference-fleet:fleet"]
    return ServiceSpec.model_validate({**fleet["services"][0], "canary": {"image": CANARY_IMAGE, "stage": stage}})


def test_a_canary_advances_stage_by_stage_then_promotes_to_stable() -> None:
    service = _canary_service(0)
    weights = [service.canary.weight if service.canary else None]
    while service.canary is not None and service.canary.weight < 100:
        service = advance_canary(service)
        weights.append(service.canary.weight if service.canary else None)
    assert weights == [5, 20, 100]
    stable = promote_canary(service)
    assert stable.image == CANARY_IMAGE
    assert stable.canary is None
    with pytest.raises(ValueError, match="has no canary to promote"):
        promote_canary(stable)


def test_only_a_canary_at_100_percent_completes() -> None:
    with pytest.raises(ValueError, match="the canary is at 20% \\(stage 1\\); only a canary at 100% completes"):
        promote_canary(_canary_service(1))
    with pytest.raises(ValueError, match="the canary is at its last stage; promote it instead"):
        advance_canary(_canary_service(2))


def test_the_replica_range_defaults_to_replicas_and_twice_that() -> None:
    base = {"name": "autoglm", "pool": "ascend", "image": CANARY_IMAGE, "replicas": 3, "model": {"name": "m"}}
    assert ServiceSpec.model_validate(base).replica_range == (3, 6)
    assert ServiceSpec.model_validate({**base, "autoscaling": {"min_replicas": 4}}).replica_range == (4, 6)
    with pytest.raises(ValueError, match=r"autoscaling\.min_replicas \(7\) is above autoscaling\.max_replicas \(6\)"):
        ServiceSpec.model_validate({**base, "autoscaling": {"min_replicas": 7}})


def test_the_reference_stacks_satisfy_every_serving_check(stacks_dir: Any) -> None:
    for name in ("prod-cn-south", "staging-cn-south", "prod-cn-north", "prod-us-west"):
        assert load_stack(stacks_dir, name).fleet.services


def test_a_staging_ingress_may_go_without_tls_and_egress_reaches_the_module(write_stack: WriteStack) -> None:
    config = reference_config("prod-cn-south")
    fleet = config["inference-fleet:fleet"]
    fleet["env"] = "staging"
    fleet["links"] = []
    fleet["services"][0].pop("tls")
    fleet["services"][0].update(egress_cidrs=["100.125.0.0/16"], egress_ports=[443, 9000])
    plan = Planner(write_stack("staging-x", config, like="prod-cn-south")).plan("staging-x")
    ingress = next(r for r in plan["resources"] if r["type"] == "kubernetes:networking.k8s.io/v1:Ingress")
    assert "tls" not in ingress["inputs"]["spec"]
    policy = next(r for r in plan["resources"] if r["name"] == "autoglm-network-policy")
    assert policy["inputs"]["spec"]["egress"][1] == {
        "to": [{"ipBlock": {"cidr": "100.125.0.0/16"}}],
        "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 9000}],
    }
