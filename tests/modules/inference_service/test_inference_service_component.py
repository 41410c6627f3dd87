"""The InferenceService component under the mock runtime: the objects it registers, as the plan shows them."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from inferfleet_inference_service import (
    AcceleratorArgs,
    AutoscalingArgs,
    CanaryArgs,
    InferenceService,
    InferenceServiceArgs,
    ModelServerArgs,
    TlsArgs,
    known_kubernetes_versions,
    validate_manifest,
)
from inferfleet_inference_service.objects import settings_hash
from inferfleet_inference_service.service import rollout_timeouts

from inferfleet.errors import EngineError
from inferfleet.plan import plan_program

STABLE = "registry.example.com/inference/autoglm-server@sha256:" + "1" * 64
NEXT = "registry.example.com/inference/autoglm-server@sha256:" + "2" * 64
TAGS = {
    "team": "inference-platform",
    "cost-center": "cc-4410",
    "owner": "fleet-oncall@example.com",
    "env": "prod",
    "stack": "prod-cn-south",
    "stack-version": "1.2.0+build.7",
}
NVIDIA = AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu", per_replica=1, per_node=4)
ASCEND = AcceleratorArgs(family="ascend", resource="huawei.com/Ascend910", per_replica=2, per_node=8)
HOST = "autoglm.cn-south.inference.example.com"


def _args(accelerator: AcceleratorArgs = NVIDIA, **changes: Any) -> InferenceServiceArgs:
    base = InferenceServiceArgs(
        namespace="autoglm",
        image=STABLE,
        server=ModelServerArgs(model_name="autoglm-phone-9b", max_batch_size=16, extra={"tensor_parallel": 2}),
        accelerator=accelerator,
        replicas=3,
        min_available=2,
        node_selector={"inferfleet.io/pool": "gpu"},
        node_taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
        tags=TAGS,
        ingress_host=HOST,
    )
    return dataclasses.replace(base, **changes)


def _plan(args: InferenceServiceArgs) -> dict[str, Any]:
    def program() -> None:
        provider = k8s.Provider("cluster", kubeconfig=pulumi.Output.secret("apiVersion: v1"))
        InferenceService("autoglm", args, pulumi.ResourceOptions(provider=provider))

    return plan_program(program, stack="prod-cn-south")


def _objects(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Planned Kubernetes objects by Pulumi resource name."""
    return {r["name"]: r for r in plan["resources"] if r["type"].startswith("kubernetes:")}


def _pod(plan: dict[str, Any], name: str = "autoglm-deployment") -> dict[str, Any]:
    spec: dict[str, Any] = _objects(plan)[name]["inputs"]["spec"]["template"]["spec"]
    return spec


@pytest.fixture(scope="module")
def nvidia_plan() -> dict[str, Any]:
    return _plan(_args(service_monitor=True, tls=TlsArgs(secret_name="autoglm-cert"), egress_cidrs=["100.125.0.0/16"]))


@pytest.fixture(scope="module")
def ascend_plan() -> dict[str, Any]:
    return _plan(_args(ASCEND, canary=CanaryArgs(image=NEXT, stage=1), node_taints=()))


def test_the_stable_track_registers_every_object_under_the_component(nvidia_plan: dict[str, Any]) -> None:
    objects = _objects(nvidia_plan)
    assert {name: r["type"] for name, r in objects.items()} == {
        "autoglm-namespace": "kubernetes:core/v1:Namespace",
        "autoglm-default-deny": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "autoglm-network-policy": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "autoglm-settings": "kubernetes:core/v1:ConfigMap",
        "autoglm-deployment": "kubernetes:apps/v1:Deployment",
        "autoglm-service": "kubernetes:core/v1:Service",
        "autoglm-autoscaler": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "autoglm-disruption-budget": "kubernetes:policy/v1:PodDisruptionBudget",
        "autoglm-ingress": "kubernetes:networking.k8s.io/v1:Ingress",
        "autoglm-monitor": "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    }
    component = next(
        r for r in nvidia_plan["resources"] if r["type"] == "inferfleet:inference_service:InferenceService"
    )
    provider = next(r for r in nvidia_plan["resources"] if r["type"] == "pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "(sensitive value)"
    for resource in objects.values():
        assert resource["parent"] == component["urn"]
        assert resource["provider"] == provider["urn"]
        assert resource["module"] == "inferfleet-inference-service"
    assert component["outputs"] == {
        "namespace": "autoglm",
        "service_name": "autoglm",
        "endpoint": "http://autoglm.autoglm.svc.cluster.local:80",
        "stable_image": STABLE,
        "canary_image": "",
        "canary_stage": -1,
        "canary_weight": 0,
    }
    assert set(component["outputs"]) == {f.name for f in dataclasses.fields(InferenceService)}


def test_every_object_carries_the_required_tags_as_valid_labels(nvidia_plan: dict[str, Any]) -> None:
    for resource in _objects(nvidia_plan).values():
        labels = resource["inputs"]["metadata"]["labels"]
        assert labels["team"] == "inference-platform"
        assert labels["cost-center"] == "cc-4410"
        assert labels["env"] == "prod"
        assert labels["stack"] == "prod-cn-south"
        assert labels["stack-version"] == "1.2.0_build.7"
        assert labels["owner"] == "fleet-oncall_example.com"


def test_nvidia_deployment_requests_equal_limits_and_uses_the_pool(nvidia_plan: dict[str, Any]) -> None:
    deployment = _objects(nvidia_plan)["autoglm-deployment"]
    assert deployment["inputs"]["spec"]["replicas"] == 3
    assert deployment["options"]["ignore_changes"] == ["spec.replicas"]
    pod = _pod(nvidia_plan)
    (container,) = pod["containers"]
    assert container["image"] == STABLE
    assert container["resources"]["requests"] == {
        "cpu": "8",
        "memory": "64Gi",
        "ephemeral-storage": "103Gi",
        "nvidia.com/gpu": "1",
    }
    assert container["resources"]["limits"] == container["resources"]["requests"]
    assert pod["nodeSelector"] == {"inferfleet.io/pool": "gpu"}
    assert pod["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
    ]
    assert container["envFrom"] == [{"configMapRef": {"name": "autoglm-settings"}}]


def test_settings_reach_the_configmap_and_roll_the_pods(nvidia_plan: dict[str, Any]) -> None:
    data = _objects(nvidia_plan)["autoglm-settings"]["inputs"]["data"]
    assert data == {
        "MODEL_NAME": "autoglm-phone-9b",
        "MODEL_PATH": "/models",
        "PORT": "8000",
        "HEALTH_PATH": "/health",
        "MAX_BATCH_SIZE": "16",
        "MAX_SEQUENCE_LENGTH": "8192",
        "PRECISION": "bf16",
        "ACCELERATOR_FAMILY": "nvidia",
        "ACCELERATOR_COUNT": "1",
        "NVIDIA_DRIVER_CAPABILITIES": "compute,utility",
        "TENSOR_PARALLEL": "2",
    }
    template = _objects(nvidia_plan)["autoglm-deployment"]["inputs"]["spec"]["template"]
    assert template["metadata"]["annotations"]["inferfleet.io/settings-hash"] == settings_hash(data)
    changed = _plan(_args(server=ModelServerArgs(model_name="autoglm-phone-9b", max_batch_size=32)))
    changed_template = _objects(changed)["autoglm-deployment"]["inputs"]["spec"]["template"]
    assert changed_template["metadata"]["annotations"] != template["metadata"]["annotations"]


def _window(probe: dict[str, Any]) -> int:
    """Seconds of failures before the probe acts."""
    return int(probe["periodSeconds"] * probe["failureThreshold"])


def test_readiness_is_tight_liveness_loose_and_startup_covers_the_model_load(nvidia_plan: dict[str, Any]) -> None:
    (container,) = _pod(nvidia_plan)["containers"]
    startup, ready, live = (container[probe] for probe in ("startupProbe", "readinessProbe", "livenessProbe"))
    assert startup["httpGet"] == live["httpGet"] == ready["httpGet"] == {"path": "/health", "port": "http"}
    assert _window(startup) >= 900
    # An overloaded server leaves the rotation within ~10 s and is only restarted after 2 minutes unanswered.
    assert _window(ready) <= 10
    assert _window(live) >= 120
    assert live["timeoutSeconds"] > ready["timeoutSeconds"]
    assert live["failureThreshold"] > ready["failureThreshold"]
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


def test_a_ready_endpoint_of_its_own_drives_readiness_only() -> None:
    server = ModelServerArgs(
        model_name="autoglm-phone-9b", health_path="/v2/health/live", ready_path="/v2/health/ready"
    )
    (container,) = _pod(_plan(_args(server=server)))["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    assert container["startupProbe"]["httpGet"]["path"] == "/v2/health/live"


def test_replicas_prefer_different_nodes(nvidia_plan: dict[str, Any]) -> None:
    (term,) = _pod(nvidia_plan)["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term == {
        "weight": 100,
        "podAffinityTerm": {
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "autoglm"}},
        },
    }


def test_ephemeral_storage_covers_the_model_cache_so_the_scheduler_sees_it() -> None:
    pod = _pod(_plan(_args(cache_gib=400)))
    (container,) = pod["containers"]
    cache = next(v["emptyDir"]["sizeLimit"] for v in pod["volumes"] if v["name"] == "model-cache")
    tmp = next(v["emptyDir"]["sizeLimit"] for v in pod["volumes"] if v["name"] == "tmp")
    assert (cache, tmp) == ("400Gi", "1Gi")
    for side in ("requests", "limits"):
        assert container["resources"][side]["ephemeral-storage"] == "403Gi"


def _namespaces_let_in(policy: dict[str, Any]) -> list[str]:
    return [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
    ]


def test_the_namespace_denies_by_default_and_lets_in_only_the_ingress_controller_and_monitoring(
    nvidia_plan: dict[str, Any],
) -> None:
    objects = _objects(nvidia_plan)
    deny = objects["autoglm-default-deny"]["inputs"]
    assert deny["metadata"]["namespace"] == "autoglm"
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    allow = objects["autoglm-network-policy"]["inputs"]
    assert allow["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "autoglm"}}
    assert allow["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert _namespaces_let_in(allow) == ["ingress-nginx", "monitoring"]
    assert all(rule["ports"] == [{"protocol": "TCP", "port": 8000}] for rule in allow["spec"]["ingress"])
    assert allow["spec"]["egress"] == [
        {
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"to": [{"ipBlock": {"cidr": "100.125.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 443}]},
    ]


def test_without_a_host_there_is_no_ingress_and_no_way_in_from_the_controller() -> None:
    plan = _plan(_args(ingress_host=None, monitoring_namespace="prometheus"))
    objects = _objects(plan)
    assert not [name for name, r in objects.items() if r["type"].endswith(":Ingress")]
    allow = objects["autoglm-network-policy"]["inputs"]
    assert _namespaces_let_in(allow) == ["prometheus"]
    assert allow["spec"]["egress"][1:] == []


def test_tls_from_a_secret_or_from_cert_manager_on_both_tracks(nvidia_plan: dict[str, Any]) -> None:
    stable = _objects(nvidia_plan)["autoglm-ingress"]["inputs"]
    assert stable["spec"]["rules"][0]["host"] == HOST
    assert stable["spec"]["tls"] == [{"hosts": [HOST], "secretName": "autoglm-cert"}]
    issued = _objects(_plan(_args(tls=TlsArgs(cluster_issuer="letsencrypt"), canary=CanaryArgs(image=NEXT))))
    stable, canary = issued["autoglm-ingress"]["inputs"], issued["autoglm-canary-ingress"]["inputs"]
    assert stable["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert "cert-manager.io/cluster-issuer" not in canary["metadata"]["annotations"]
    for ingress in (stable, canary):
        assert ingress["spec"]["tls"] == [{"hosts": [HOST], "secretName": "autoglm-tls"}]
        assert ingress["spec"]["rules"][0]["host"] == HOST


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ingress_host": "*.example.com"}, "ingress_host: '*.example.com' is not a DNS name"),
        ({"ingress_host": "localhost"}, "is not a DNS name"),
        ({"ingress_host": None, "tls": TlsArgs(secret_name="cert")}, "tls: needs ingress_host"),
        ({"ingress_host": None, "canary": CanaryArgs(image=NEXT)}, "canary: needs ingress_host"),
        ({"tls": TlsArgs()}, "tls: give exactly one of secret_name"),
        ({"tls": TlsArgs(secret_name="cert", cluster_issuer="acme")}, "tls: give exactly one"),
        ({"tls": TlsArgs(secret_name="Cert!")}, "tls.secret_name: 'Cert!' is not a Kubernetes object name"),
        ({"egress_cidrs": ["10.0.0.1/8"]}, "egress_cidrs: '10.0.0.1/8' is not a network"),
        ({"egress_ports": []}, "egress_ports: [] must be ports"),
        ({"ingress_namespace": "Ingress"}, "ingress_namespace: 'Ingress' is not a namespace name"),
    ],
)
def test_bad_exposure_args_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        InferenceService("autoglm", _args(**changes))


def test_pods_are_hardened(nvidia_plan: dict[str, Any]) -> None:
    pod = _pod(nvidia_plan)
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert mounts == {"model-cache": "/models", "tmp": "/tmp", "shm": "/dev/shm"}
    volumes = {volume["name"]: volume["emptyDir"] for volume in pod["volumes"]}
    assert volumes["model-cache"] == {"sizeLimit": "100Gi"}
    assert volumes["shm"] == {"medium": "Memory", "sizeLimit": "16Gi"}
    assert pod["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    namespace = _objects(nvidia_plan)["autoglm-namespace"]["inputs"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_autoscaler_and_disruption_budget_values(nvidia_plan: dict[str, Any]) -> None:
    hpa = _objects(nvidia_plan)["autoglm-autoscaler"]["inputs"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "autoglm"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 6)
    assert hpa["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 75}}}
    ]
    pdb = _objects(nvidia_plan)["autoglm-disruption-budget"]["inputs"]["spec"]
    assert pdb == {
        "minAvailable": 2,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "autoglm", "inferfleet.io/track": "stable"}},
    }


def test_a_custom_metric_is_a_pods_metric_with_its_target() -> None:
    scaling = AutoscalingArgs(
        min_replicas=2, max_replicas=8, cpu_utilization=60, custom_metric="queue_depth", custom_target=0.5
    )
    hpa = _objects(_plan(_args(autoscaling=scaling)))["autoglm-autoscaler"]["inputs"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 8)
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 60
    assert hpa["metrics"][1] == {
        "type": "Pods",
        "pods": {"metric": {"name": "queue_depth"}, "target": {"type": "AverageValue", "averageValue": "500m"}},
    }


def test_ascend_requests_its_device_plugin_resource(ascend_plan: dict[str, Any]) -> None:
    (container,) = _pod(ascend_plan)["containers"]
    assert container["resources"]["limits"]["huawei.com/Ascend910"] == "2"
    assert container["resources"]["requests"]["huawei.com/Ascend910"] == "2"
    data = _objects(ascend_plan)["autoglm-settings"]["inputs"]["data"]
    assert (data["ACCELERATOR_FAMILY"], data["ACCELERATOR_COUNT"]) == ("ascend", "2")
    assert data["ASCEND_DRIVER_PATH"] == "/usr/local/Ascend/driver"
    assert "tolerations" not in _pod(ascend_plan)


def _canary_view(plan: dict[str, Any]) -> dict[str, Any]:
    objects = _objects(plan)
    ingress = objects["autoglm-canary-ingress"]["inputs"]
    return {
        "annotations": ingress["metadata"]["annotations"],
        "backend": ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
        "host": ingress["spec"]["rules"][0]["host"],
        "image": objects["autoglm-canary-deployment"]["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"],
        "replicas": objects["autoglm-canary-deployment"]["inputs"]["spec"]["replicas"],
        "deployment_notes": objects["autoglm-canary-deployment"]["inputs"]["metadata"]["annotations"],
    }


@pytest.mark.parametrize(("stage", "weight", "replicas"), [(0, 5, 2), (1, 20, 2), (2, 100, 3)])
def test_every_canary_stage_is_visible_in_the_plan(stage: int, weight: int, replicas: int) -> None:
    plan = _plan(_args(canary=CanaryArgs(image=NEXT, stage=stage)))
    view = _canary_view(plan)
    assert view["annotations"] == {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": str(weight),
        "inferfleet.io/canary-stage": str(stage),
        "inferfleet.io/canary-weight": str(weight),
        "inferfleet.io/canary-stages": "5,20,100",
    }
    assert view["backend"] == "autoglm-canary"
    assert view["image"] == NEXT
    assert view["replicas"] == replicas
    assert view["deployment_notes"]["inferfleet.io/canary-weight"] == str(weight)
    objects = _objects(plan)
    stable_ingress = objects["autoglm-ingress"]["inputs"]
    assert "annotations" not in stable_ingress["metadata"]
    assert stable_ingress["spec"]["ingressClassName"] == "nginx"
    assert view["host"] == stable_ingress["spec"]["rules"][0]["host"] == HOST
    assert objects["autoglm-deployment"]["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"] == STABLE
    canary_selector = objects["autoglm-canary-service"]["inputs"]["spec"]["selector"]
    assert canary_selector == {"app.kubernetes.io/name": "autoglm", "inferfleet.io/track": "canary"}
    assert objects["autoglm-canary-disruption-budget"]["inputs"]["spec"]["maxUnavailable"] == 1
    component = next(r for r in plan["resources"] if r["type"] == "inferfleet:inference_service:InferenceService")
    assert (component["outputs"]["canary_stage"], component["outputs"]["canary_weight"]) == (stage, weight)


def test_promotion_makes_the_canary_image_stable_and_removes_the_canary_track() -> None:
    at_full = _objects(_plan(_args(canary=CanaryArgs(image=NEXT, stage=2))))
    promoted = _objects(_plan(_args(image=NEXT)))
    assert {name for name in at_full if "canary" in name} == {
        "autoglm-canary-deployment",
        "autoglm-canary-service",
        "autoglm-canary-disruption-budget",
        "autoglm-canary-ingress",
    }
    assert not any("canary" in name for name in promoted)
    assert promoted["autoglm-deployment"]["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"] == NEXT
    # The stable Deployment keeps its identity (same name and selector): promotion is an update, not a replace.
    for key in ("metadata", "spec"):
        before, after = at_full["autoglm-deployment"]["inputs"][key], promoted["autoglm-deployment"]["inputs"][key]
        if key == "spec":
            assert before["selector"] == after["selector"]
        else:
            assert before["name"] == after["name"]


@pytest.mark.parametrize("version", ["1.25", "1.30", "1.31"])
def test_every_manifest_is_valid_for_the_pinned_kubernetes_version(
    version: str, nvidia_plan: dict[str, Any], ascend_plan: dict[str, Any]
) -> None:
    checked = 0
    for plan in (nvidia_plan, ascend_plan):
        for resource in _objects(plan).values():
            if resource["type"].startswith("kubernetes:monitoring.coreos.com/"):
                continue  # a CRD: kubernetes-validate ships only the built-in API's schemas
            validate_manifest(resource["inputs"], version)
            checked += 1
    assert checked == 9 + 13


def test_the_validator_rejects_a_broken_manifest_and_an_unknown_version(nvidia_plan: dict[str, Any]) -> None:
    deployment = dict(_objects(nvidia_plan)["autoglm-deployment"]["inputs"])
    deployment["spec"] = {**deployment["spec"], "replicas": "three"}
    with pytest.raises(ValueError, match=r"Deployment 'autoglm': spec\.replicas"):
        validate_manifest(deployment, "1.31")
    with pytest.raises(ValueError, match=r"Kubernetes 1\.19 is not known"):
        validate_manifest(deployment, "1.19")
    assert {"1.25", "1.31"} <= set(known_kubernetes_versions())


def test_the_known_versions_are_the_validators_own_with_or_without_its_schema_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inferfleet_inference_service import validation
    from kubernetes_validate import utils

    expected = sorted(
        {utils.major_minor(version) for version in utils.all_versions()},
        key=lambda minor: tuple(int(part) for part in minor.split(".")),
    )
    validation.known_kubernetes_versions.cache_clear()
    assert validation.known_kubernetes_versions() == expected  # read from the schema folders' names
    validation.known_kubernetes_versions.cache_clear()
    monkeypatch.setattr(validation.importlib.util, "find_spec", lambda _name: None)
    assert validation.known_kubernetes_versions() == expected  # asked through the package's API
    validation.known_kubernetes_versions.cache_clear()


def test_a_component_without_an_explicit_provider_is_refused() -> None:
    def program() -> None:
        InferenceService("autoglm", _args())

    with pytest.raises(EngineError, match="ValueError: autoglm: pass the cluster's Kubernetes provider explicitly"):
        plan_program(program)


def test_bad_args_fail_before_anything_is_registered() -> None:
    with pytest.raises(ValueError, match="image: 'r/s:1' is not pinned by digest"):
        InferenceService("autoglm", _args(image="r/s:1"))


@pytest.mark.parametrize(
    ("cloud", "secrets"),
    [("huaweicloud", [{"name": "default-secret"}]), ("alicloud", None), ("tencentcloud", None), ("aws", None)],
)
def test_pods_name_the_registry_pull_secret_their_cloud_expects(cloud: str, secrets: Any) -> None:
    pod = _pod(_plan(_args(cloud=cloud)))
    assert pod.get("imagePullSecrets") == secrets


def test_explicit_pull_secrets_override_the_cloud_and_are_validated() -> None:
    pod = _pod(_plan(_args(cloud="huaweicloud", image_pull_secrets=["swr-robot"])))
    assert pod["imagePullSecrets"] == [{"name": "swr-robot"}]
    with pytest.raises(ValueError, match="image_pull_secrets: 'Bad Secret' is not a Secret name"):
        InferenceService("autoglm", _args(image_pull_secrets=["Bad Secret"]))
    with pytest.raises(ValueError, match="cloud: 'azure' is not one of"):
        InferenceService("autoglm", _args(cloud="azure"))


@pytest.mark.parametrize(("startup", "minutes"), [(900, "25m"), (60, "11m"), (3600, "70m")])
def test_pulumi_waits_for_the_model_to_load_before_failing_a_rollout(startup: int, minutes: str) -> None:
    timeouts = rollout_timeouts(startup)
    assert (timeouts.create, timeouts.update) == (minutes, minutes)


def test_both_tracks_register_with_the_rollout_timeouts() -> None:
    from inferfleet.plan.runtime import run_program

    def program() -> None:
        provider = k8s.Provider("cluster", kubeconfig=pulumi.Output.secret("apiVersion: v1"))
        args = _args(canary=CanaryArgs(image=NEXT), startup_timeout_seconds=1800)
        InferenceService("autoglm", args, pulumi.ResourceOptions(provider=provider))

    def no_siblings(name: str) -> dict[str, Any]:
        raise AssertionError(f"no stack reference expected, got {name}")

    capture = run_program(program, project="inference-fleet", stack="t", config={}, resolve_stack_outputs=no_siblings)
    deployments = {
        r.request.name: r.request.customTimeouts
        for r in capture.registrations
        if r.request.type == "kubernetes:apps/v1:Deployment"
    }
    assert {name: (t.create, t.update) for name, t in deployments.items()} == {
        "autoglm-deployment": ("40m", "40m"),
        "autoglm-canary-deployment": ("40m", "40m"),
    }
