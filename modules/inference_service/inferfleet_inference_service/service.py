"""The InferenceService component: the model server on a Kubernetes cluster, with a staged canary."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from inferfleet_components import doc, register_declared, warn_deprecated

from inferfleet_inference_service.args import InferenceServiceArgs, validate_inference_service
from inferfleet_inference_service.objects import SERVICE_PORT, Manifest, service_objects

_Register = Callable[[str, Manifest, pulumi.ResourceOptions], pulumi.CustomResource]


def _typed(resource: Callable[..., pulumi.CustomResource]) -> _Register:
    """Register a built-in kind through its typed class: the SDK checks every field name."""

    def register(name: str, manifest: Manifest, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
        # The typed classes take the API's camelCase fields in snake case (stringData -> string_data).
        fields = {_snake(key): value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
        return resource(name, opts=opts, **fields)

    return register


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _custom(name: str, manifest: Manifest, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    return k8s.apiextensions.CustomResource(
        name,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=manifest["metadata"],
        spec=manifest["spec"],
        opts=opts,
    )


_KINDS: dict[str, _Register] = {
    "Namespace": _typed(k8s.core.v1.Namespace),
    "ConfigMap": _typed(k8s.core.v1.ConfigMap),
    "Secret": _typed(k8s.core.v1.Secret),
    "Service": _typed(k8s.core.v1.Service),
    "Deployment": _typed(k8s.apps.v1.Deployment),
    "HorizontalPodAutoscaler": _typed(k8s.autoscaling.v2.HorizontalPodAutoscaler),
    "PodDisruptionBudget": _typed(k8s.policy.v1.PodDisruptionBudget),
    "Ingress": _typed(k8s.networking.v1.Ingress),
    "NetworkPolicy": _typed(k8s.networking.v1.NetworkPolicy),
    "ServiceMonitor": _custom,
}


ROLLOUT_MARGIN_SECONDS = 600
"""Time beyond the model load for scheduling, image pull and one surge pod per replica."""


def rollout_timeouts(startup_timeout_seconds: int) -> pulumi.CustomTimeouts:
    """How long Pulumi waits for a Deployment to become ready: the model load plus a margin.

    pulumi-kubernetes waits 10 minutes by default, less than a large model takes to load.
    """
    minutes = math.ceil((startup_timeout_seconds + ROLLOUT_MARGIN_SECONDS) / 60)
    return pulumi.CustomTimeouts(create=f"{minutes}m", update=f"{minutes}m")


@dataclass(init=False, eq=False, repr=False)
class InferenceServiceOutputs:
    """The outputs of an `InferenceService`, declared once: its attributes, its registered outputs, README and API."""

    namespace: pulumi.Output[str] = field(metadata=doc("Namespace the service runs in."))
    service_name: pulumi.Output[str] = field(metadata=doc("Name of the stable Kubernetes Service."))
    endpoint: pulumi.Output[str] = field(metadata=doc("In-cluster URL of the stable Service."))
    stable_image: pulumi.Output[str] = field(metadata=doc("Image of the stable track."))
    canary_image: pulumi.Output[str] = field(metadata=doc("Image of the canary track ('' without a canary)."))
    canary_stage: pulumi.Output[int] = field(metadata=doc("Index of the canary's current stage (-1 without a canary)."))
    canary_weight: pulumi.Output[int] = field(
        metadata=doc("Share of traffic (%) the canary receives (0 without a canary).")
    )


class InferenceService(pulumi.ComponentResource, InferenceServiceOutputs):
    """Namespace, NetworkPolicies, settings, stable (and canary) Deployment, Service, HPA, PDB, Ingress (with a
    host), optional ServiceMonitor.

    The Kubernetes provider must be given explicitly (`opts=ResourceOptions(provider=...)`), built from
    the GPU pool's cluster kubeconfig: a fleet holds several clusters in one program.
    """

    def __init__(self, name: str, args: InferenceServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        validate_inference_service(args)
        warn_deprecated(args, "inferfleet-inference-service")
        objects = service_objects(name, args)
        provider = opts.provider if opts is not None else None
        if not isinstance(provider, k8s.Provider):
            raise ValueError(
                f"{name}: pass the cluster's Kubernetes provider explicitly (opts=ResourceOptions(provider=...))"
            )
        super().__init__("inferfleet:inference_service:InferenceService", name, None, opts)

        namespace_resource: pulumi.Resource | None = None
        for item in objects:
            depends: list[pulumi.Resource] = [namespace_resource] if namespace_resource is not None else []
            options = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends)
            if item.manifest["kind"] == "Deployment":
                options = pulumi.ResourceOptions.merge(
                    options, pulumi.ResourceOptions(custom_timeouts=rollout_timeouts(args.startup_timeout_seconds))
                )
            if item.role == "deployment":
                # The autoscaler owns the stable replica count once it runs.
                options = pulumi.ResourceOptions.merge(
                    options, pulumi.ResourceOptions(ignore_changes=["spec.replicas"])
                )
            resource = _KINDS[item.manifest["kind"]](f"{name}-{item.role}", item.manifest, options)
            if item.role == "namespace":
                namespace_resource = resource

        canary = args.canary
        outputs: dict[str, Any] = {
            "namespace": args.namespace,
            "service_name": name,
            "endpoint": f"http://{name}.{args.namespace}.svc.cluster.local:{SERVICE_PORT}",
            "stable_image": args.image,
            "canary_image": canary.image if canary is not None else "",
            "canary_stage": canary.stage if canary is not None else -1,
            "canary_weight": canary.weight if canary is not None else 0,
        }
        self.namespace = pulumi.Output.from_input(outputs["namespace"])
        self.service_name = pulumi.Output.from_input(outputs["service_name"])
        self.endpoint = pulumi.Output.from_input(outputs["endpoint"])
        self.stable_image = pulumi.Output.from_input(outputs["stable_image"])
        self.canary_image = pulumi.Output.from_input(outputs["canary_image"])
        self.canary_stage = pulumi.Output.from_input(outputs["canary_stage"])
        self.canary_weight = pulumi.Output.from_input(outputs["canary_weight"])
        register_declared(self)
