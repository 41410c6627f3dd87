"""Spec of the serving layer: inference services and their canaries (module inferfleet-inference-service)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from inferfleet.spec.base import (
    MAX_ACCELERATORS_PER_REPLICA,
    MAX_CACHE_GIB,
    MAX_CANARY_STAGES,
    MAX_REPLICAS,
    MAX_SETTINGS,
    MAX_SHM_GIB,
    DnsLabel,
    Port,
    ScalarValue,
    SpecModel,
    UnicastCidr,
)

if TYPE_CHECKING:
    from inferfleet.spec.model import FleetSpec

AcceleratorFamily = Literal["nvidia", "ascend"]

_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"
_SETTING_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_CONFIG_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
"""A stack config key of the project's namespace, without the namespace (`hf-token`)."""
_HOST = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
_OBJECT_NAME = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"


class ModelServerSettings(SpecModel):
    """Settings passed to the model server, on Kubernetes (ConfigMap) and on VMs (env file) alike."""

    name: str = Field(min_length=1, description="Served model name, e.g. autoglm-phone-9b.")
    path: str = Field(
        default="/models",
        pattern=r"^/[^:]*$",
        description="Model path inside the container; no ':' (Docker's volume separator on VMs). Default: /models.",
    )
    port: Port = Field(default=8000, description="Inference port. Default: 8000.")
    health_path: str = Field(
        default="/health", pattern=r"^/", description="Health endpoint (startup and liveness). Default: /health."
    )
    ready_path: str | None = Field(
        default=None, pattern=r"^/", description="Readiness endpoint, e.g. /v2/health/ready. Default: health_path."
    )
    max_batch_size: int = Field(default=32, ge=1, le=4096, description="Default: 32.")
    max_sequence_length: int = Field(default=8192, ge=128, le=1048576, description="Default: 8192.")
    precision: Literal["fp32", "fp16", "bf16", "int8", "fp8"] = Field(default="bf16", description="Default: bf16.")
    extra: dict[str, ScalarValue] = Field(
        default_factory=dict,
        max_length=MAX_SETTINGS,
        description="Free-form extra settings, passed as upper-cased environment variables. Default: none.",
    )

    @field_validator("extra")
    @classmethod
    def _env_names(cls, extra: dict[str, ScalarValue]) -> dict[str, ScalarValue]:
        from inferfleet_inference_service.args import extra_settings_problem

        bad = sorted(key for key in extra if not re.fullmatch(_SETTING_KEY, key))
        if bad:
            raise ValueError(f"extra setting names must be environment-variable names ([A-Za-z_][A-Za-z0-9_]*): {bad}")
        problem = extra_settings_problem(extra)
        if problem:
            raise ValueError(problem)
        return extra


class CanarySpec(SpecModel):
    """A canary track beside the stable one, moving through traffic stages.

    Promotion is a spec change: raise `stage`; at the last stage (100%) complete the release by
    moving `image` into the service's `image` and removing `canary` (see :func:`promote_canary`).
    """

    image: str = Field(description="Canary image, pinned by digest.")
    stages: list[int] = Field(
        default_factory=lambda: [5, 20, 100],
        max_length=MAX_CANARY_STAGES,
        description="Traffic % per stage. Default: 5, 20, 100.",
    )
    stage: int = Field(default=0, ge=0, description="Index into `stages` of the current stage. Default: 0.")

    @model_validator(mode="after")
    def _stages(self) -> CanarySpec:
        if not self.stages:
            raise ValueError("stages must not be empty")
        if any(not 0 <= weight <= 100 for weight in self.stages):
            raise ValueError(f"every stage weight must lie in 0-100, got {self.stages}")
        if any(later <= earlier for earlier, later in zip(self.stages, self.stages[1:], strict=False)):
            raise ValueError(f"stages must strictly increase, got {self.stages}")
        if self.stage >= len(self.stages):
            raise ValueError(f"stage {self.stage} is past the last stage (0-{len(self.stages) - 1})")
        return self

    @property
    def weight(self) -> int:
        return self.stages[self.stage]


class AutoscalingSpec(SpecModel):
    """HorizontalPodAutoscaler settings."""

    min_replicas: int | None = Field(
        default=None, ge=1, le=MAX_REPLICAS, description="Default: the service's replicas."
    )
    max_replicas: int | None = Field(default=None, ge=1, le=MAX_REPLICAS, description="Default: 2 x replicas.")
    cpu_utilization: int = Field(default=75, ge=1, le=100, description="Target CPU %. Default: 75.")
    custom_metric: str | None = Field(
        default=None,
        pattern=r"^[a-z_:][a-z0-9_:]*$",
        description="Pods metric name, e.g. p99_latency_ms or queue_depth. Default: none.",
    )
    custom_target: float | None = Field(
        default=None, gt=0, description="Average value target of custom_metric. Default: none."
    )

    @model_validator(mode="after")
    def _metric_pair(self) -> AutoscalingSpec:
        if (self.custom_metric is None) != (self.custom_target is None):
            raise ValueError("custom_metric and custom_target go together")
        return self


class TlsSpec(SpecModel):
    """TLS of the service's Ingress: exactly one of an existing certificate Secret and a cert-manager issuer."""

    secret_name: str | None = Field(
        default=None, pattern=_OBJECT_NAME, description="kubernetes.io/tls Secret in the namespace. Default: none."
    )
    cluster_issuer: str | None = Field(
        default=None,
        pattern=_OBJECT_NAME,
        description="cert-manager ClusterIssuer issuing the certificate into `<service>-tls`. Default: none.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> TlsSpec:
        if (self.secret_name is None) == (self.cluster_issuer is None):
            raise ValueError("give exactly one of secret_name (an existing certificate) and cluster_issuer")
        return self


class ServiceSpec(SpecModel):
    """An inference service on one pool."""

    name: DnsLabel = Field(description="Service name; child resource names derive from it.")
    pool: str = Field(description="Name of the pool it runs on.")
    image: str = Field(description="Model-server image pinned by digest (repo@sha256:...).")
    accelerator_family: AcceleratorFamily | None = Field(
        default=None,
        description="Accelerator family the image is built for (nvidia: CUDA, ascend: CANN); checked against the "
        "pool. Default: none (the pool's family).",
    )
    replicas: int = Field(
        default=2,
        ge=1,
        le=MAX_REPLICAS,
        description=f"Stable replicas (Kubernetes placement), at most {MAX_REPLICAS}. Default: 2.",
    )
    accelerators_per_replica: int = Field(
        default=1, ge=1, le=MAX_ACCELERATORS_PER_REPLICA, description="Accelerators per replica. Default: 1."
    )
    cpu: str = Field(default="8", pattern=_QUANTITY, description="CPU request = limit. Default: 8.")
    memory: str = Field(default="64Gi", pattern=_QUANTITY, description="Memory request = limit. Default: 64Gi.")
    min_available: int = Field(
        default=1, ge=0, le=MAX_REPLICAS, description="PodDisruptionBudget minAvailable. Default: 1."
    )
    namespace: DnsLabel | None = Field(default=None, description="Kubernetes namespace. Default: the service name.")
    model: ModelServerSettings
    canary: CanarySpec | None = Field(default=None, description="Canary track (Kubernetes placement). Default: none.")
    autoscaling: AutoscalingSpec = Field(default_factory=AutoscalingSpec, description="Default: CPU 75%.")
    service_monitor: bool = Field(default=False, description="Create a Prometheus ServiceMonitor. Default: false.")
    ingress_class: str = Field(
        default="nginx", pattern=r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", description="IngressClass. Default: nginx."
    )
    ingress_host: str | None = Field(
        default=None,
        pattern=_HOST,
        description="Host the Ingress answers for (no wildcard). Default: none (no Ingress: in-cluster only).",
    )
    tls: TlsSpec | None = Field(
        default=None, description="TLS of the Ingress; required in prod when there is one. Default: none."
    )
    ingress_namespace: DnsLabel = Field(
        default="ingress-nginx", description="Ingress controller's namespace, let in. Default: ingress-nginx."
    )
    monitoring_namespace: DnsLabel = Field(
        default="monitoring", description="Prometheus's namespace, let in on the server port. Default: monitoring."
    )
    egress_cidrs: list[UnicastCidr] = Field(
        default_factory=list,
        max_length=64,
        description="Networks the server may reach besides cluster DNS (e.g. model storage endpoints). Default: none.",
    )
    egress_ports: list[Port] = Field(
        default_factory=lambda: [443],
        min_length=1,
        max_length=16,
        description="TCP ports of egress_cidrs. Default: 443.",
    )
    startup_timeout_seconds: int = Field(
        default=900, ge=30, le=7200, description="Time allowed to load the model before probes fail. Default: 900."
    )
    cache_gib: int = Field(
        default=100,
        ge=1,
        le=MAX_CACHE_GIB,
        description=f"Model cache size (emptyDir / host dir) in GiB, at most {MAX_CACHE_GIB}. Default: 100.",
    )
    shm_gib: int = Field(
        default=16,
        ge=1,
        le=MAX_SHM_GIB,
        description=f"Shared memory (/dev/shm) in GiB, at most {MAX_SHM_GIB}. Default: 16.",
    )

    secrets: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_SETTINGS,
        description="Environment variables that hold credentials, each from a secret config key of this stack "
        "(`pulumi config set --secret <key>`, `secure:` in the stack file), e.g. {HF_TOKEN: hf-token}. Delivered as "
        "a Kubernetes Secret, or a root-only (0600) env file on VMs; masked in plans and renders. Default: none.",
    )

    @model_validator(mode="after")
    def _secret_names(self) -> ServiceSpec:
        from inferfleet_inference_service.args import secret_names_problem

        problem = secret_names_problem(list(self.secrets), list(self.model.extra))
        if problem:
            raise ValueError(f"secrets: {problem}")
        names = sorted(name for name, key in self.secrets.items() if not re.fullmatch(_CONFIG_KEY, key))
        if names:
            # The values are not repeated: the likeliest mistake here is the secret itself pasted in.
            raise ValueError(
                f"secrets: the value of {', '.join(names)} is not a config key name (e.g. hf-token, without "
                "`inference-fleet:`); the secret itself goes in the stack config (`pulumi config set --secret`)"
            )
        return self

    @model_validator(mode="after")
    def _replica_bounds(self) -> ServiceSpec:
        low, high = self.replica_range
        if low > high:
            raise ValueError(f"autoscaling.min_replicas ({low}) is above autoscaling.max_replicas ({high})")
        return self

    @property
    def replica_range(self) -> tuple[int, int]:
        """(min, max) replicas of the autoscaler with the defaults resolved."""
        low = self.autoscaling.min_replicas if self.autoscaling.min_replicas is not None else self.replicas
        high = self.autoscaling.max_replicas if self.autoscaling.max_replicas is not None else 2 * self.replicas
        return low, high

    @property
    def resolved_namespace(self) -> str:
        return self.namespace or self.name


def promote_canary(service: ServiceSpec) -> ServiceSpec:
    """The spec after completing a canary at 100%: the canary image becomes the stable image, the canary goes.

    This is the spec change a release makes; planning it shows the stable Deployment's image update
    and the canary objects' deletion in the plan diff.
    """
    if service.canary is None:
        raise ValueError(f"service {service.name!r} has no canary to promote")
    if service.canary.weight != 100:
        raise ValueError(
            f"service {service.name!r}: the canary is at {service.canary.weight}% (stage {service.canary.stage}); "
            "only a canary at 100% completes"
        )
    return service.model_copy(update={"image": service.canary.image, "canary": None})


def advance_canary(service: ServiceSpec) -> ServiceSpec:
    """The spec with the canary moved to its next stage."""
    canary = service.canary
    if canary is None:
        raise ValueError(f"service {service.name!r} has no canary")
    if canary.stage + 1 >= len(canary.stages):
        raise ValueError(f"service {service.name!r}: the canary is at its last stage; promote it instead")
    return service.model_copy(update={"canary": canary.model_copy(update={"stage": canary.stage + 1})})


# Checks of the serving section that need the whole fleet or module data; listed in
# inferfleet.spec.checks.CHECKS and run before any resource is registered.

Problem = tuple[tuple[int | str, ...], str]

VM_PLACEMENTS = ("standalone", "scaling_group")
KUBERNETES_ONLY = frozenset(
    {
        "replicas",
        "min_available",
        "accelerators_per_replica",
        "cpu",
        "memory",
        "namespace",
        "autoscaling",
        "service_monitor",
        "ingress_class",
        "ingress_host",
        "tls",
        "ingress_namespace",
        "monitoring_namespace",
        "egress_cidrs",
        "egress_ports",
        "cache_gib",
    }
)
"""Service fields that only a Kubernetes placement uses; set on a VM pool they would be silently ignored."""


def services_pin_images(fleet: FleetSpec) -> Iterator[Problem]:
    """Images by digest only: a tag can move under a running fleet."""
    from inferfleet_inference_service import validate_image

    for index, service in enumerate(fleet.services):
        images: list[Problem] = [(("services", index, "image"), service.image)]
        if service.canary is not None:
            images.append((("services", index, "canary", "image"), service.canary.image))
        for loc, image in images:
            try:
                validate_image(image)
            except ValueError as exc:
                yield loc, str(exc).split(": ", 1)[1]


def services_respect_disruption_budget(fleet: FleetSpec) -> Iterator[Problem]:
    """Replicas never below the PodDisruptionBudget's minAvailable; at least 2 in prod on Kubernetes."""
    for index, service in enumerate(fleet.services):
        pool = fleet.pool(service.pool)
        if pool is None or pool.placement in VM_PLACEMENTS:
            continue
        low, _ = service.replica_range
        if service.replicas < service.min_available:
            yield (
                ("services", index, "replicas"),
                f"{service.replicas} is below min_available ({service.min_available}): the PodDisruptionBudget "
                "could never allow an eviction",
            )
        elif low < service.min_available:
            yield (
                ("services", index, "autoscaling", "min_replicas"),
                f"{low} is below min_available ({service.min_available})",
            )
        if fleet.env == "prod" and low < 2:
            where = "autoscaling.min_replicas" if service.autoscaling.min_replicas is not None else "replicas"
            yield ("services", index, *where.split(".")), f"{low}: prod services run at least 2 replicas"


def services_fit_pools(fleet: FleetSpec) -> Iterator[Problem]:
    """The image's accelerator family is the pool's, and a replica fits on one node of the pool."""
    from inferfleet_gpu_instance import load_catalog

    catalog = load_catalog()
    for index, service in enumerate(fleet.services):
        pool = fleet.pool(service.pool)
        if pool is None:
            continue
        try:
            offering = catalog.lookup(fleet.cloud, fleet.region, pool.accelerator, pool.flavor)
        except LookupError:
            continue  # the pools' own check reports an accelerator or flavor that is not offered
        if service.accelerator_family is not None and service.accelerator_family != offering.family:
            yield (
                ("services", index, "accelerator_family"),
                f"the image is built for {service.accelerator_family}, but pool {pool.name!r} has "
                f"{pool.accelerator} ({offering.family}); place the service on a {service.accelerator_family} pool",
            )
        if service.accelerators_per_replica > offering.accelerators_per_node:
            yield (
                ("services", index, "accelerators_per_replica"),
                f"{service.accelerators_per_replica} is more than one node of pool {pool.name!r} has "
                f"({offering.accelerators_per_node} x {pool.accelerator} on {offering.flavor})",
            )


def services_on_known_kubernetes(fleet: FleetSpec) -> Iterator[Problem]:
    """Manifests are validated for the cluster's version, so the validator must know it."""
    from inferfleet_inference_service import known_kubernetes_versions

    hosting = {service.pool for service in fleet.services}
    known = known_kubernetes_versions()
    for index, pool in enumerate(fleet.pools):
        if pool.cluster is None or pool.name not in hosting or pool.cluster.version in known:
            continue
        yield (
            ("pools", index, "cluster", "version"),
            f"Kubernetes {pool.cluster.version} is not known to the manifest validator "
            f"(kubernetes-validate knows {known[0]}-{known[-1]})",
        )


def services_fit_placement(fleet: FleetSpec) -> Iterator[Problem]:
    """VM pools run one server per node and no canary; namespaces are not shared on a cluster."""
    vm_pools: dict[str, int] = {}
    namespaces: dict[tuple[str, str], str] = {}
    for index, service in enumerate(fleet.services):
        pool = fleet.pool(service.pool)
        if pool is None:
            continue
        if pool.placement in VM_PLACEMENTS:
            if service.canary is not None:
                yield (
                    ("services", index, "canary"),
                    f"a canary needs a kubernetes pool; pool {pool.name!r} is {pool.placement} (release by "
                    "changing `image`)",
                )
            for name in sorted(KUBERNETES_ONLY & service.model_fields_set):
                yield (
                    ("services", index, name),
                    f"applies to placement kubernetes only; pool {pool.name!r} is {pool.placement}, where each "
                    "node runs one server on all its accelerators",
                )
            if pool.name in vm_pools:
                yield (
                    ("services", index, "pool"),
                    f"pool {pool.name!r} ({pool.placement}) already runs service "
                    f"{fleet.services[vm_pools[pool.name]].name!r}; a VM pool runs one service on all its accelerators",
                )
            vm_pools.setdefault(pool.name, index)
            continue
        if pool.cluster is not None and not pool.cluster.create and pool.cluster.kubeconfig_key is None:
            # Without a kubeconfig the Kubernetes provider would fall back to the operator's ambient
            # context: deploying to whatever cluster that is must never happen silently.
            yield (
                ("pools", fleet.pools.index(pool), "cluster", "kubeconfig_key"),
                f"required: service {service.name!r} deploys to the existing cluster {pool.cluster.id!r}; name the "
                "secret stack-config key holding its kubeconfig, or the service would land on whatever cluster "
                "the operator's kube context points at",
            )
        cluster = pool.cluster.id if pool.cluster is not None and pool.cluster.id else pool.name
        key = (cluster, service.resolved_namespace)
        if key in namespaces:
            yield (
                ("services", index, "namespace"),
                f"namespace {service.resolved_namespace!r} is already used by service {namespaces[key]!r} on "
                f"pool {pool.name!r}'s cluster",
            )
        namespaces.setdefault(key, service.name)


def services_encrypt_ingress(fleet: FleetSpec) -> Iterator[Problem]:
    """An Ingress (a host) carries TLS; in prod it must, so no model traffic crosses the network in clear."""
    for index, service in enumerate(fleet.services):
        pool = fleet.pool(service.pool)
        if pool is None or pool.placement in VM_PLACEMENTS:
            continue
        if service.canary is not None and service.ingress_host is None:
            yield (
                ("services", index, "canary"),
                "needs ingress_host: the canary's share of the traffic is an NGINX canary Ingress for the service's "
                "host (without one the canary would get no traffic)",
            )
        if service.tls is not None and service.ingress_host is None:
            yield ("services", index, "tls"), "needs ingress_host: without a host there is no Ingress to serve TLS"
        if fleet.env == "prod" and service.ingress_host is not None and service.tls is None:
            yield (
                ("services", index, "tls"),
                f"required in prod for the Ingress of {service.ingress_host!r}: give secret_name (an existing "
                "kubernetes.io/tls Secret) or cluster_issuer (cert-manager)",
            )


SERVING_CHECKS: tuple[Callable[[FleetSpec], Iterator[Problem]], ...] = (
    services_pin_images,
    services_respect_disruption_budget,
    services_fit_pools,
    services_on_known_kubernetes,
    services_fit_placement,
    services_encrypt_ingress,
)
