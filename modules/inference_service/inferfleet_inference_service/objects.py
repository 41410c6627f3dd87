"""The Kubernetes objects of one inference service, as plain API documents.

Pure functions of the args: the component registers exactly these documents, so what the plan
shows, what `inferfleet render` writes and what the tests validate are the same objects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inferfleet_inference_service.args import AutoscalingArgs, InferenceServiceArgs
from inferfleet_inference_service.clouds import CLOUDS
from inferfleet_inference_service.container import (
    LIVENESS,
    PORT_NAME,
    PROBE_PERIOD_SECONDS,
    PROBE_TIMEOUT_SECONDS,
    READINESS,
    RUN_AS_USER,
    SHM_PATH,
    TMP_PATH,
    canary_replicas,
    server_environment,
    startup_failure_threshold,
)
from inferfleet_inference_service.labels import labels_from_tags

Manifest = dict[str, Any]

NAME_LABEL = "app.kubernetes.io/name"
TRACK_LABEL = "inferfleet.io/track"
CANARY_STAGE_ANNOTATION = "inferfleet.io/canary-stage"
CANARY_WEIGHT_ANNOTATION = "inferfleet.io/canary-weight"
CANARY_STAGES_ANNOTATION = "inferfleet.io/canary-stages"
SETTINGS_HASH_ANNOTATION = "inferfleet.io/settings-hash"
NGINX_CANARY = "nginx.ingress.kubernetes.io/canary"
NGINX_CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight"
CERT_MANAGER_ISSUER = "cert-manager.io/cluster-issuer"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""Set by the API server on every namespace (Kubernetes >= 1.21): selects a namespace by its name."""
DNS_NAMESPACE = "kube-system"
SERVICE_PORT = 80
TMP_GIB = 1
WRITABLE_MARGIN_GIB = 2
"""Ephemeral storage beyond the model cache and /tmp: container logs and the (read-only) root's writable bits."""
HOSTNAME_LABEL = "kubernetes.io/hostname"

_TAINT_EFFECTS = {
    "NoSchedule": "NoSchedule",
    "PreferNoSchedule": "PreferNoSchedule",
    "NoExecute": "NoExecute",
    "NO_SCHEDULE": "NoSchedule",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
    "NO_EXECUTE": "NoExecute",
}
"""Kubernetes spellings of taint effects, also from the clouds' node-pool APIs (EKS spells NO_SCHEDULE)."""


@dataclass(frozen=True)
class ServiceObject:
    """One Kubernetes object and the role that names its Pulumi resource (`<service>-<role>`)."""

    role: str
    manifest: Manifest


def _metadata(name: str, namespace: str | None, labels: Mapping[str, str], **annotations: str) -> Manifest:
    metadata: Manifest = {"name": name, "labels": dict(labels)}
    if namespace is not None:
        metadata["namespace"] = namespace
    if annotations:
        metadata["annotations"] = dict(annotations)
    return metadata


def _quantity(value: float) -> str:
    """A float as a Kubernetes quantity without rounding surprises: 250 -> '250', 0.5 -> '500m'."""
    if float(value).is_integer():
        return str(int(value))
    return f"{round(value * 1000)}m"


def _tolerations(taints: Any) -> list[Manifest]:
    tolerations = []
    for taint in taints:
        toleration: Manifest = {"key": taint["key"], "effect": _TAINT_EFFECTS.get(taint["effect"], taint["effect"])}
        if taint.get("value"):
            toleration.update(operator="Equal", value=taint["value"])
        else:
            toleration["operator"] = "Exists"
        tolerations.append(toleration)
    return tolerations


def image_pull_secrets(args: InferenceServiceArgs) -> tuple[str, ...]:
    if args.image_pull_secrets is not None:
        return tuple(args.image_pull_secrets)
    return CLOUDS[args.cloud].image_pull_secrets if args.cloud is not None else ()


def settings_hash(settings: Mapping[str, str]) -> str:
    """Pods roll when the settings change, because the hash in their template changes."""
    return hashlib.sha256(json.dumps(dict(settings), sort_keys=True).encode()).hexdigest()[:16]


def _deployment(
    name: str,
    args: InferenceServiceArgs,
    *,
    service: str,
    track: str,
    image: str,
    replicas: int,
    labels: Mapping[str, str],
    settings: Mapping[str, str],
    annotations: Mapping[str, str],
) -> Manifest:
    server = args.server
    selector = {NAME_LABEL: service, TRACK_LABEL: track}
    resources = {
        "cpu": args.cpu,
        "memory": args.memory,
        # The scheduler only sees emptyDir sizeLimits through this: a node without room for the cache is
        # never picked, instead of evicting the pod when the cache fills.
        "ephemeral-storage": f"{ephemeral_storage_gib(args)}Gi",
        args.accelerator.resource: str(args.accelerator.per_replica),
    }
    health = {"httpGet": {"path": server.health_path, "port": PORT_NAME}}
    ready = {"httpGet": {"path": server.ready_path or server.health_path, "port": PORT_NAME}}
    container = {
        "name": "model-server",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": PORT_NAME, "containerPort": server.port, "protocol": "TCP"}],
        "envFrom": [
            {"configMapRef": {"name": f"{service}-settings"}},
            *([{"secretRef": {"name": f"{service}-secrets"}}] if server.secrets else []),
        ],
        "resources": {"requests": dict(resources), "limits": dict(resources)},
        "startupProbe": {
            **health,
            "timeoutSeconds": PROBE_TIMEOUT_SECONDS,
            "periodSeconds": PROBE_PERIOD_SECONDS,
            "failureThreshold": startup_failure_threshold(args.startup_timeout_seconds),
        },
        "readinessProbe": {
            **ready,
            "timeoutSeconds": READINESS.timeout_seconds,
            "periodSeconds": READINESS.period_seconds,
            "failureThreshold": READINESS.failure_threshold,
        },
        "livenessProbe": {
            **health,
            "timeoutSeconds": LIVENESS.timeout_seconds,
            "periodSeconds": LIVENESS.period_seconds,
            "failureThreshold": LIVENESS.failure_threshold,
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "model-cache", "mountPath": server.model_path},
            {"name": "tmp", "mountPath": TMP_PATH},
            {"name": "shm", "mountPath": SHM_PATH},
        ],
    }
    pod_spec: Manifest = {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "fsGroup": RUN_AS_USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 60,
        "containers": [container],
        "volumes": [
            {"name": "model-cache", "emptyDir": {"sizeLimit": f"{args.cache_gib}Gi"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": f"{TMP_GIB}Gi"}},
            {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{args.shm_gib}Gi"}},
        ],
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": args.zone_label,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": dict(selector)},
            }
        ],
        # Replicas on different nodes, so one node's loss (or drain) takes one replica. Preferred, not
        # required: a surge pod during a rollout, or a pool smaller than the replica count, still schedules.
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "topologyKey": HOSTNAME_LABEL,
                            "labelSelector": {"matchLabels": {NAME_LABEL: service}},
                        },
                    }
                ]
            }
        },
    }
    pull_secrets = image_pull_secrets(args)
    if pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": secret} for secret in pull_secrets]
    if args.node_selector:
        pod_spec["nodeSelector"] = dict(args.node_selector)
    if args.node_taints:
        pod_spec["tolerations"] = _tolerations(args.node_taints)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, args.namespace, labels, **annotations),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(selector)},
            # A GPU pod surges into a free accelerator before an old one stops: no capacity dip.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": dict(selector),
                    "annotations": {SETTINGS_HASH_ANNOTATION: settings_hash(settings)},
                },
                "spec": pod_spec,
            },
        },
    }


def _service(
    name: str, namespace: str, labels: Mapping[str, str], selector: Mapping[str, str], **notes: str
) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, namespace, labels, **notes),
        "spec": {
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [{"name": PORT_NAME, "port": SERVICE_PORT, "targetPort": PORT_NAME, "protocol": "TCP"}],
        },
    }


def ephemeral_storage_gib(args: InferenceServiceArgs) -> int:
    """Ephemeral storage a replica requests (= limit): the model cache, /tmp, and logs."""
    return args.cache_gib + TMP_GIB + WRITABLE_MARGIN_GIB


def tls_secret_name(service: str, args: InferenceServiceArgs) -> str | None:
    """The Secret the Ingress serves its certificate from: the given one, or the one cert-manager writes."""
    if args.tls is None:
        return None
    return args.tls.secret_name or f"{service}-tls"


def _ingress(
    name: str,
    *,
    service: str,
    host: str,
    args: InferenceServiceArgs,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
) -> Manifest:
    rule: Manifest = {
        "host": host,
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": name, "port": {"name": PORT_NAME}}},
                }
            ]
        },
    }
    spec: Manifest = {"ingressClassName": args.ingress_class, "rules": [rule]}
    secret = tls_secret_name(service, args)
    if secret is not None:
        spec["tls"] = [{"hosts": [host], "secretName": secret}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _metadata(name, args.namespace, labels, **annotations),
        "spec": spec,
    }


def _network_policies(name: str, args: InferenceServiceArgs, labels: Mapping[str, str]) -> list[ServiceObject]:
    """Deny everything in the namespace, then let in and out exactly what the model server needs.

    In: the ingress controller (when there is an Ingress) and Prometheus, on the server port (which also
    serves /metrics). Kubelet probes come from the node and are not subject to NetworkPolicy. Out: cluster
    DNS in kube-system, and `egress_cidrs` on `egress_ports` (e.g. model storage); nothing else.
    """
    server_port = [{"protocol": "TCP", "port": args.server.port}]
    sources = [args.monitoring_namespace]
    if args.ingress_host is not None:
        sources.insert(0, args.ingress_namespace)
    ingress = [
        {"from": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}], "ports": server_port}
        for namespace in sources
    ]
    egress: list[Manifest] = [
        {
            "to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: DNS_NAMESPACE}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    if args.egress_cidrs:
        egress.append(
            {
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in args.egress_cidrs],
                "ports": [{"protocol": "TCP", "port": port} for port in args.egress_ports],
            }
        )
    deny_all = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(f"{name}-default-deny", args.namespace, labels),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    allow = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(f"{name}-model-server", args.namespace, labels),
        "spec": {
            "podSelector": {"matchLabels": {NAME_LABEL: name}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }
    return [ServiceObject("default-deny", deny_all), ServiceObject("network-policy", allow)]


def _pdb(name: str, namespace: str, labels: Mapping[str, str], selector: Mapping[str, str], **budget: int) -> Manifest:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(name, namespace, labels),
        "spec": {**budget, "selector": {"matchLabels": dict(selector)}},
    }


def _autoscaler(name: str, namespace: str, labels: Mapping[str, str], scaling: AutoscalingArgs) -> Manifest:
    metrics: list[Manifest] = [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": scaling.cpu_utilization},
            },
        }
    ]
    if scaling.custom_metric is not None and scaling.custom_target is not None:
        metrics.append(
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": scaling.custom_metric},
                    "target": {"type": "AverageValue", "averageValue": _quantity(scaling.custom_target)},
                },
            }
        )
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(name, namespace, labels),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": metrics,
            # Model servers take minutes to start: scale down slowly so a dip does not cost a reload.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600}},
        },
    }


def _secret(name: str, args: InferenceServiceArgs, labels: Mapping[str, str]) -> list[ServiceObject]:
    """The server's secrets as a Secret (never the ConfigMap); values stay Pulumi secrets, masked in plans."""
    secrets = args.server.secrets
    if not secrets:
        return []
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(f"{name}-secrets", args.namespace, labels),
        "type": "Opaque",
        "stringData": {key: secrets[key] for key in sorted(secrets)},
    }
    return [ServiceObject("secrets", manifest)]


def resolved_autoscaling(args: InferenceServiceArgs) -> AutoscalingArgs:
    if args.autoscaling is not None:
        return args.autoscaling
    return AutoscalingArgs(min_replicas=args.replicas, max_replicas=2 * args.replicas)


def service_objects(name: str, args: InferenceServiceArgs) -> list[ServiceObject]:
    """Every object of the service, in the order they depend on each other."""
    namespace = args.namespace
    tag_labels = labels_from_tags(args.tags)
    app = {NAME_LABEL: name, "app.kubernetes.io/component": "model-server"}
    stable_labels = {**tag_labels, **app, TRACK_LABEL: "stable"}
    stable_selector = {NAME_LABEL: name, TRACK_LABEL: "stable"}
    settings = server_environment(args.server, args.accelerator)
    objects = [
        ServiceObject(
            "namespace",
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": _metadata(
                    namespace,
                    None,
                    {**tag_labels, "pod-security.kubernetes.io/enforce": "restricted"},
                ),
            },
        ),
        ServiceObject(
            "settings",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": _metadata(f"{name}-settings", namespace, {**tag_labels, **app}),
                "data": settings,
            },
        ),
        *_secret(name, args, {**tag_labels, **app}),
        *_network_policies(name, args, {**tag_labels, **app}),
        ServiceObject(
            "deployment",
            _deployment(
                name,
                args,
                service=name,
                track="stable",
                image=args.image,
                replicas=args.replicas,
                labels=stable_labels,
                settings=settings,
                annotations={},
            ),
        ),
        ServiceObject("service", _service(name, namespace, stable_labels, stable_selector)),
        ServiceObject("autoscaler", _autoscaler(name, namespace, stable_labels, resolved_autoscaling(args))),
        ServiceObject(
            "disruption-budget", _pdb(name, namespace, stable_labels, stable_selector, minAvailable=args.min_available)
        ),
    ]
    host = args.ingress_host
    issuer = {CERT_MANAGER_ISSUER: args.tls.cluster_issuer} if args.tls and args.tls.cluster_issuer else {}
    if host is not None:
        stable_ingress = _ingress(name, service=name, host=host, args=args, labels=stable_labels, annotations=issuer)
        objects.append(ServiceObject("ingress", stable_ingress))
    if args.canary is not None:
        canary = args.canary
        canary_name = f"{name}-canary"
        stage_notes = {
            CANARY_STAGE_ANNOTATION: str(canary.stage),
            CANARY_WEIGHT_ANNOTATION: str(canary.weight),
            CANARY_STAGES_ANNOTATION: ",".join(str(weight) for weight in canary.stages),
        }
        canary_labels = {**tag_labels, **app, TRACK_LABEL: "canary"}
        canary_selector = {NAME_LABEL: name, TRACK_LABEL: "canary"}
        objects += [
            ServiceObject(
                "canary-deployment",
                _deployment(
                    canary_name,
                    args,
                    service=name,
                    track="canary",
                    image=canary.image,
                    replicas=canary_replicas(args.replicas, canary.weight),
                    labels=canary_labels,
                    settings=settings,
                    annotations=stage_notes,
                ),
            ),
            ServiceObject(
                "canary-service", _service(canary_name, namespace, canary_labels, canary_selector, **stage_notes)
            ),
            ServiceObject(
                "canary-disruption-budget",
                _pdb(canary_name, namespace, canary_labels, canary_selector, maxUnavailable=1),
            ),
        ]
        if host is not None:
            # Same host and certificate Secret as the stable Ingress; only the stable one asks cert-manager
            # for the certificate (two issuer annotations would make two Certificates fight over one Secret).
            canary_notes = {**stage_notes, NGINX_CANARY: "true", NGINX_CANARY_WEIGHT: str(canary.weight)}
            objects.append(
                ServiceObject(
                    "canary-ingress",
                    _ingress(
                        canary_name, service=name, host=host, args=args, labels=canary_labels, annotations=canary_notes
                    ),
                )
            )
    if args.service_monitor:
        objects.append(
            ServiceObject(
                "monitor",
                {
                    "apiVersion": "monitoring.coreos.com/v1",
                    "kind": "ServiceMonitor",
                    "metadata": _metadata(name, namespace, {**tag_labels, **app}),
                    "spec": {
                        "selector": {"matchLabels": {NAME_LABEL: name}},
                        "namespaceSelector": {"matchNames": [namespace]},
                        "endpoints": [{"port": PORT_NAME, "path": "/metrics", "interval": "30s"}],
                    },
                },
            )
        )
    return objects
