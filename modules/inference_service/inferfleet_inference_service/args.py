"""Inputs of the inference service: typed, frozen, documented, validated before anything is created."""

from __future__ import annotations

import ipaddress
import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from inferfleet_inference_service.clouds import CLOUDS

AcceleratorFamily = Literal["nvidia", "ascend"]
Precision = Literal["fp32", "fp16", "bf16", "int8", "fp8"]
SettingValue = str | int | float | bool

ACCELERATOR_FAMILIES: tuple[str, ...] = ("nvidia", "ascend")

# Every pattern is matched with fullmatch: `$` would also match before a final newline.
_DIGEST_IMAGE = re.compile(r"[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[0-9a-f]{64}")
_DNS_LABEL = re.compile(r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_SECRET_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUANTITY = re.compile(r"[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?")
_METRIC = re.compile(r"[a-z_:][a-z0-9_:]*")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+")
"""A DNS name of at least two labels, lower case; no wildcard (a catch-all is what a host prevents)."""
_LINE_OR_CONTROL = frozenset({"Cc", "Zl", "Zp"})
"""Unicode categories of control characters and line or paragraph separators."""
_PATH = re.compile(r"/[^\x00-\x1f\x7f]*")
"""An absolute path without control characters (a line break would end the line it is written on)."""
_CREDENTIAL_ENDINGS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "CREDENTIALS", "APIKEY", "ACCESSKEY")
_CREDENTIAL_WORDS = frozenset({"KEY", "PWD", "PASS"})
"""Words of a setting name that mark a credential; such a value belongs in `secrets`, never in a plan."""


@dataclass(frozen=True, kw_only=True)
class ModelServerArgs:
    """Settings of the model server: the one source of the ConfigMap and of the VM env file."""

    model_name: str = field(metadata={"doc": "Served model name, e.g. autoglm-phone-9b. Required."})
    model_path: str = field(default="/models", metadata={"doc": "Model path inside the container. Default: /models."})
    port: int = field(default=8000, metadata={"doc": "Inference (and health) port. Default: 8000."})
    health_path: str = field(
        default="/health",
        metadata={"doc": "Health endpoint: the startup and (loose) liveness checks. Default: /health."},
    )
    ready_path: str | None = field(
        default=None,
        metadata={
            "doc": "Readiness endpoint (tight: out of rotation after ~10 s of failures), e.g. /v2/health/ready. "
            "Default: health_path."
        },
    )
    max_batch_size: int = field(default=32, metadata={"doc": "Largest batch the server forms. Default: 32."})
    max_sequence_length: int = field(
        default=8192, metadata={"doc": "Longest sequence (prompt + output tokens). Default: 8192."}
    )
    precision: Precision = field(default="bf16", metadata={"doc": "Weights/compute precision. Default: bf16."})
    extra: Mapping[str, SettingValue] = field(
        default_factory=dict,
        metadata={"doc": "Free-form extra settings, passed as upper-cased environment variables. Default: none."},
    )
    secrets: Mapping[str, pulumi.Input[str]] = field(
        default_factory=dict,
        metadata={
            "doc": "Environment variables holding credentials (e.g. HF_TOKEN), values as Pulumi secrets: a "
            "Kubernetes Secret, or a root-only (0600) env file on a VM; never in a ConfigMap or a plan. Default: none."
        },
    )


@dataclass(frozen=True, kw_only=True)
class AcceleratorArgs:
    """The accelerators a replica uses, as the GPU pool's catalog row describes them."""

    family: AcceleratorFamily = field(metadata={"doc": "Accelerator family: nvidia or ascend. Required."})
    resource: str = field(
        metadata={"doc": "Kubernetes device-plugin resource, e.g. nvidia.com/gpu, huawei.com/Ascend910. Required."}
    )
    per_replica: int = field(default=1, metadata={"doc": "Accelerators per replica (request = limit). Default: 1."})
    per_node: int = field(default=1, metadata={"doc": "Accelerators on one node of the pool. Default: 1."})


@dataclass(frozen=True, kw_only=True)
class CanaryArgs:
    """A canary track beside the stable one, at one stage of its traffic ramp."""

    image: str = field(metadata={"doc": "Canary image, pinned by digest (repo@sha256:...). Required."})
    stages: Sequence[int] = field(
        default=(5, 20, 100), metadata={"doc": "Traffic % per stage, strictly increasing. Default: 5, 20, 100."}
    )
    stage: int = field(default=0, metadata={"doc": "Index into `stages` of the current stage. Default: 0."})

    @property
    def weight(self) -> int:
        return self.stages[self.stage]


@dataclass(frozen=True, kw_only=True)
class AutoscalingArgs:
    """HorizontalPodAutoscaler (autoscaling/v2) of the stable track."""

    min_replicas: int = field(metadata={"doc": "Lowest replica count. Required."})
    max_replicas: int = field(metadata={"doc": "Highest replica count. Required."})
    cpu_utilization: int = field(default=75, metadata={"doc": "Target average CPU utilisation %. Default: 75."})
    custom_metric: str | None = field(
        default=None, metadata={"doc": "Pods metric, e.g. p99_latency_ms or queue_depth. Default: none."}
    )
    custom_target: float | None = field(
        default=None, metadata={"doc": "Average value target of custom_metric. Default: none."}
    )


@dataclass(frozen=True, kw_only=True)
class TlsArgs:
    """TLS of the Ingress: an existing certificate Secret, or a cert-manager issuer that creates one."""

    secret_name: str | None = field(
        default=None,
        metadata={"doc": "kubernetes.io/tls Secret in the service's namespace holding the certificate. Default: none."},
    )
    cluster_issuer: str | None = field(
        default=None,
        metadata={
            "doc": "cert-manager ClusterIssuer that issues the certificate into the Secret `<service>-tls`. "
            "Default: none."
        },
    )


@dataclass(frozen=True, kw_only=True)
class InferenceServiceArgs:
    """The model server on a Kubernetes cluster: one stable track, optionally a canary track."""

    namespace: str = field(metadata={"doc": "Namespace created for the service. Required."})
    image: str = field(metadata={"doc": "Stable image, pinned by digest (repo@sha256:...). Required."})
    server: ModelServerArgs = field(metadata={"doc": "Model-server settings. Required."})
    accelerator: AcceleratorArgs = field(metadata={"doc": "Accelerators per replica and their resource. Required."})
    cloud: str | None = field(
        default=None,
        metadata={
            "doc": "Cloud of the cluster (huaweicloud, alicloud, tencentcloud, aws): selects its registry pull "
            "secrets. Default: none (plain Kubernetes)."
        },
    )
    image_pull_secrets: Sequence[str] | None = field(
        default=None, metadata={"doc": "Pull secrets the pods name. Default: the cloud's (CCE: default-secret)."}
    )
    replicas: int = field(default=2, metadata={"doc": "Stable replicas before autoscaling. Default: 2."})
    cpu: str = field(default="8", metadata={"doc": "CPU request = limit (Kubernetes quantity). Default: 8."})
    memory: str = field(
        default="64Gi", metadata={"doc": "Memory request = limit (Kubernetes quantity). Default: 64Gi."}
    )
    min_available: int = field(default=1, metadata={"doc": "PodDisruptionBudget minAvailable. Default: 1."})
    autoscaling: AutoscalingArgs | None = field(
        default=None, metadata={"doc": "Autoscaler bounds and metrics. Default: replicas to 2 x replicas, CPU 75%."}
    )
    canary: CanaryArgs | None = field(default=None, metadata={"doc": "Canary track. Default: none."})
    node_selector: Mapping[str, str] = field(
        default_factory=dict, metadata={"doc": "Node labels of the GPU pool the pods must land on. Default: none."}
    )
    node_taints: Sequence[Mapping[str, str]] = field(
        default=(), metadata={"doc": "Taints of the GPU pool ({key, value, effect}) the pods tolerate. Default: none."}
    )
    tags: Mapping[str, str] = field(
        default_factory=dict,
        metadata={"doc": "Tags put on every object's metadata.labels, sanitised to label values. Default: none."},
    )
    ingress_class: str = field(
        default="nginx", metadata={"doc": "IngressClass of the NGINX controller. Default: nginx."}
    )
    ingress_host: str | None = field(
        default=None,
        metadata={
            "doc": "Host the Ingress answers for (never a catch-all). Default: none (no Ingress: the service is "
            "reachable inside the cluster only)."
        },
    )
    tls: TlsArgs | None = field(
        default=None, metadata={"doc": "TLS of the Ingress (needs ingress_host). Default: none (plain HTTP)."}
    )
    ingress_namespace: str = field(
        default="ingress-nginx",
        metadata={"doc": "Namespace of the ingress controller, let in by the NetworkPolicy. Default: ingress-nginx."},
    )
    monitoring_namespace: str = field(
        default="monitoring",
        metadata={"doc": "Namespace of Prometheus, let in on the server port (/metrics). Default: monitoring."},
    )
    egress_cidrs: Sequence[str] = field(
        default=(),
        metadata={
            "doc": "Networks the server may reach besides cluster DNS, e.g. the model storage endpoint's "
            "(IPv4 or IPv6 CIDRs). Default: none (DNS only)."
        },
    )
    egress_ports: Sequence[int] = field(
        default=(443,), metadata={"doc": "TCP ports allowed to egress_cidrs. Default: 443."}
    )
    service_monitor: bool = field(
        default=False, metadata={"doc": "Create a Prometheus ServiceMonitor. Default: false."}
    )
    startup_timeout_seconds: int = field(
        default=900, metadata={"doc": "Time the startup probe allows for loading the model. Default: 900."}
    )
    cache_gib: int = field(default=100, metadata={"doc": "Model cache emptyDir size limit in GiB. Default: 100."})
    shm_gib: int = field(default=16, metadata={"doc": "Shared memory (/dev/shm) size limit in GiB. Default: 16."})
    zone_label: str = field(
        default="topology.kubernetes.io/zone", metadata={"doc": "Node label pods spread across. Default: zone."}
    )


@dataclass(frozen=True, kw_only=True)
class VmServiceArgs:
    """The same model server as a systemd unit on a GPU VM (cloud-init parts)."""

    name: str = field(metadata={"doc": "Service name; names the unit, container and files. Required."})
    image: str = field(metadata={"doc": "Image, pinned by digest (repo@sha256:...). Required."})
    server: ModelServerArgs = field(metadata={"doc": "Model-server settings. Required."})
    accelerator: AcceleratorArgs = field(metadata={"doc": "Accelerator family and count per node. Required."})
    startup_timeout_seconds: int = field(
        default=900, metadata={"doc": "Time the health check waits after a (re)start. Default: 900."}
    )
    shm_gib: int = field(default=16, metadata={"doc": "Shared memory (/dev/shm) in GiB. Default: 16."})
    cache_dir: str = field(
        default="/var/lib/inferfleet",
        metadata={"doc": "Host directory under which the model cache lives. Default: /var/lib/inferfleet."},
    )


def validate_image(image: str, *, field_name: str = "image") -> None:
    """An image must be pinned by digest; a tag can move under a running fleet."""
    if not _DIGEST_IMAGE.fullmatch(image):
        if "@sha256:" in image:
            raise ValueError(f"{field_name}: {image!r} has a malformed digest (expected @sha256: and 64 hex digits)")
        raise ValueError(f"{field_name}: {image!r} is not pinned by digest (expected repo@sha256:<64 hex digits>)")


def validate_server(server: ModelServerArgs) -> None:
    if not server.model_name:
        raise ValueError("server.model_name: must not be empty")
    if not 1 <= server.port <= 65535:
        raise ValueError(f"server.port: {server.port} is not a port (1-65535)")
    if any(unicodedata.category(character) in _LINE_OR_CONTROL for character in server.model_name):
        raise ValueError(f"server.model_name: {server.model_name!r} must not hold control characters")
    for name in ("model_path", "health_path", "ready_path"):
        value = getattr(server, name)
        if value is None:
            continue
        if not _PATH.fullmatch(value):
            raise ValueError(f"server.{name}: {value!r} must be an absolute path without control characters")
    if ":" in server.model_path:
        # Docker's volume syntax is src:dst[:options]; a colon would turn the rest into mount options.
        raise ValueError(f"server.model_path: {server.model_path!r} must not hold ':'")
    if server.max_batch_size < 1:
        raise ValueError(f"server.max_batch_size: {server.max_batch_size} must be at least 1")
    if server.max_sequence_length < 1:
        raise ValueError(f"server.max_sequence_length: {server.max_sequence_length} must be at least 1")
    bad = sorted(key for key in server.extra if not _ENV_NAME.fullmatch(key))
    if bad:
        raise ValueError(f"server.extra: {bad} are not environment-variable names")
    problem = extra_settings_problem(server.extra)
    if problem:
        raise ValueError(f"server.extra: {problem}")
    problem = secret_names_problem(list(server.secrets), list(server.extra))
    if problem:
        raise ValueError(f"server.secrets: {problem}")


def extra_settings_problem(extra: Mapping[str, SettingValue]) -> str | None:
    """Why free-form settings cannot be passed as environment variables beside the module's own, if they cannot."""
    from inferfleet_inference_service.container import reserved_settings

    names = [key.upper() for key in extra]
    reserved = sorted(set(names) & reserved_settings())
    if reserved:
        return f"{reserved} are set by the module from the typed settings; use those fields instead"
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return f"{repeated} are given more than once (names are upper-cased)"
    credentials = sorted(key for key in extra if looks_like_credential(key))
    if credentials:
        return (
            f"{credentials} look like credentials; a setting's value is written in the plan, the ConfigMap and the "
            "VM's user data: give it in `secrets` (a Pulumi secret config key) instead"
        )
    return None


def looks_like_credential(name: str) -> bool:
    """Whether a variable name says it holds a credential: HF_TOKEN, API_KEY, DB_PASSWORD, HFTOKEN (not MAX_TOKENS)."""
    words = name.upper().split("_")
    return any(word.endswith(_CREDENTIAL_ENDINGS) or word in _CREDENTIAL_WORDS for word in words)


def secret_names_problem(secrets: Sequence[str], extra: Sequence[str]) -> str | None:
    """Why secret names cannot be environment variables beside the settings, if they cannot."""
    from inferfleet_inference_service.container import reserved_settings

    bad = sorted(name for name in secrets if not _ENV_NAME.fullmatch(name))
    if bad:
        return f"{bad} are not environment-variable names ([A-Za-z_][A-Za-z0-9_]*)"
    taken = sorted(set(secrets) & (reserved_settings() | {key.upper() for key in extra}))
    if taken:
        return f"{taken} are also settings (typed or extra); a variable has one source"
    return None


def validate_accelerator(accelerator: AcceleratorArgs) -> None:
    if accelerator.family not in ACCELERATOR_FAMILIES:
        raise ValueError(f"accelerator.family: {accelerator.family!r} is not one of {list(ACCELERATOR_FAMILIES)}")
    if "/" not in accelerator.resource:
        raise ValueError(
            f"accelerator.resource: {accelerator.resource!r} is not a device-plugin resource (vendor/name)"
        )
    if accelerator.per_node < 1:
        raise ValueError(f"accelerator.per_node: {accelerator.per_node} must be at least 1")
    if not 1 <= accelerator.per_replica <= accelerator.per_node:
        raise ValueError(
            f"accelerator.per_replica: {accelerator.per_replica} must lie in 1-{accelerator.per_node} "
            "(one node of the pool)"
        )


def validate_canary(canary: CanaryArgs) -> None:
    validate_image(canary.image, field_name="canary.image")
    stages = list(canary.stages)
    if not stages:
        raise ValueError("canary.stages: must not be empty")
    if any(not 0 <= weight <= 100 for weight in stages):
        raise ValueError(f"canary.stages: every weight must lie in 0-100, got {stages}")
    if any(later <= earlier for earlier, later in itertools.pairwise(stages)):
        raise ValueError(f"canary.stages: must strictly increase, got {stages}")
    if not 0 <= canary.stage < len(stages):
        raise ValueError(f"canary.stage: {canary.stage} is not a stage index (0-{len(stages) - 1})")


def validate_autoscaling(autoscaling: AutoscalingArgs, *, min_available: int) -> None:
    if autoscaling.min_replicas < 1:
        raise ValueError(f"autoscaling.min_replicas: {autoscaling.min_replicas} must be at least 1")
    if autoscaling.max_replicas < autoscaling.min_replicas:
        raise ValueError(
            f"autoscaling.max_replicas: {autoscaling.max_replicas} is below min_replicas ({autoscaling.min_replicas})"
        )
    if autoscaling.min_replicas < min_available:
        raise ValueError(
            f"autoscaling.min_replicas: {autoscaling.min_replicas} is below the PodDisruptionBudget's "
            f"minAvailable ({min_available})"
        )
    if not 1 <= autoscaling.cpu_utilization <= 100:
        raise ValueError(f"autoscaling.cpu_utilization: {autoscaling.cpu_utilization} must lie in 1-100")
    if (autoscaling.custom_metric is None) != (autoscaling.custom_target is None):
        raise ValueError("autoscaling.custom_metric: custom_metric and custom_target go together")
    if autoscaling.custom_metric is not None and not _METRIC.fullmatch(autoscaling.custom_metric):
        raise ValueError(f"autoscaling.custom_metric: {autoscaling.custom_metric!r} is not a metric name")
    if autoscaling.custom_target is not None and autoscaling.custom_target <= 0:
        raise ValueError(f"autoscaling.custom_target: {autoscaling.custom_target} must be positive")


def validate_inference_service(args: InferenceServiceArgs) -> None:
    """Every way the Kubernetes target's inputs can be wrong, checked before any object is registered."""
    if not _DNS_LABEL.fullmatch(args.namespace):
        raise ValueError(f"namespace: {args.namespace!r} is not a DNS label")
    if args.cloud is not None and args.cloud not in CLOUDS:
        raise ValueError(f"cloud: {args.cloud!r} is not one of {sorted(CLOUDS)}")
    for secret in args.image_pull_secrets or ():
        if not _SECRET_NAME.fullmatch(secret):
            raise ValueError(f"image_pull_secrets: {secret!r} is not a Secret name")
    validate_image(args.image)
    validate_server(args.server)
    validate_accelerator(args.accelerator)
    if args.replicas < 1:
        raise ValueError(f"replicas: {args.replicas} must be at least 1")
    if args.min_available < 0:
        raise ValueError(f"min_available: {args.min_available} must not be negative")
    if args.replicas < args.min_available:
        raise ValueError(
            f"replicas: {args.replicas} is below the PodDisruptionBudget's minAvailable ({args.min_available}); "
            "no pod could ever be evicted"
        )
    for name in ("cpu", "memory"):
        value = getattr(args, name)
        if not _QUANTITY.fullmatch(value):
            raise ValueError(f"{name}: {value!r} is not a Kubernetes quantity")
    if args.autoscaling is not None:
        validate_autoscaling(args.autoscaling, min_available=args.min_available)
    if args.canary is not None:
        validate_canary(args.canary)
    for index, taint in enumerate(args.node_taints):
        if "key" not in taint or "effect" not in taint:
            raise ValueError(f"node_taints[{index}]: {dict(taint)!r} needs a key and an effect")
    if args.startup_timeout_seconds < 10:
        raise ValueError(f"startup_timeout_seconds: {args.startup_timeout_seconds} must be at least 10")
    if args.cache_gib < 1 or args.shm_gib < 1:
        raise ValueError(f"cache_gib/shm_gib: {args.cache_gib}/{args.shm_gib} must be at least 1")
    validate_exposure(args)


def validate_tls(tls: TlsArgs) -> None:
    if (tls.secret_name is None) == (tls.cluster_issuer is None):
        raise ValueError("tls: give exactly one of secret_name (an existing certificate) and cluster_issuer")
    for name in ("secret_name", "cluster_issuer"):
        value = getattr(tls, name)
        if value is not None and not _SECRET_NAME.fullmatch(value):
            raise ValueError(f"tls.{name}: {value!r} is not a Kubernetes object name")


def validate_exposure(args: InferenceServiceArgs) -> None:
    """The Ingress (host, TLS) and what the NetworkPolicy lets in and out."""
    if args.ingress_host is not None and not _HOST.fullmatch(args.ingress_host):
        raise ValueError(
            f"ingress_host: {args.ingress_host!r} is not a DNS name (lower-case labels, at least two, no wildcard)"
        )
    if args.canary is not None and args.ingress_host is None:
        raise ValueError(
            "canary: needs ingress_host (the canary's share of the traffic is an NGINX canary Ingress for the host; "
            "without one the canary would get no traffic)"
        )
    if args.tls is not None:
        if args.ingress_host is None:
            raise ValueError("tls: needs ingress_host (without a host there is no Ingress to terminate TLS on)")
        validate_tls(args.tls)
    for name in ("ingress_namespace", "monitoring_namespace"):
        if not _DNS_LABEL.fullmatch(getattr(args, name)):
            raise ValueError(f"{name}: {getattr(args, name)!r} is not a namespace name (DNS label)")
    for cidr in args.egress_cidrs:
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            raise ValueError(f"egress_cidrs: {cidr!r} is not a network ({exc})") from None
    if not args.egress_ports or any(not 1 <= port <= 65535 for port in args.egress_ports):
        raise ValueError(f"egress_ports: {list(args.egress_ports)} must be ports in 1-65535 (at least one)")


def validate_vm_service(args: VmServiceArgs) -> None:
    """Every way the VM target's inputs can be wrong."""
    if not _DNS_LABEL.fullmatch(args.name):
        raise ValueError(f"name: {args.name!r} is not a DNS label")
    validate_image(args.image)
    validate_server(args.server)
    validate_accelerator(args.accelerator)
    if args.startup_timeout_seconds < 10:
        raise ValueError(f"startup_timeout_seconds: {args.startup_timeout_seconds} must be at least 10")
    if args.shm_gib < 1:
        raise ValueError(f"shm_gib: {args.shm_gib} must be at least 1")
    if not _PATH.fullmatch(args.cache_dir) or ":" in args.cache_dir:
        raise ValueError(f"cache_dir: {args.cache_dir!r} must be an absolute path without control characters or ':'")
