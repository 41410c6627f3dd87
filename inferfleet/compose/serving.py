"""The serving layer of a fleet: inference services (module inferfleet-inference-service).

A service on a kubernetes pool becomes an InferenceService component deployed through an
explicit Kubernetes provider built from the pool's cluster kubeconfig. A service on a VM pool
(standalone or scaling_group) becomes cloud-config parts (a systemd unit) that the pool merges
into its instances' user data; both targets take their settings from the same spec fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

from inferfleet import PROJECT
from inferfleet.compose.compute import ComputeLayer
from inferfleet.spec.model import FleetSpec
from inferfleet.spec.serving import VM_PLACEMENTS, ServiceSpec

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s
    from inferfleet_inference_service import InferenceService

KUBERNETES_PLACEMENT = "kubernetes"


@dataclass(frozen=True)
class ServingLayer:
    services: Mapping[str, Any] = field(default_factory=dict)
    """The InferenceService component of each Kubernetes-placed service, by service name."""
    providers: Mapping[str, Any] = field(default_factory=dict)
    """The Kubernetes provider of each pool that hosts services, by pool name."""
    outputs: dict[str, Any] = field(default_factory=dict)


SecretValue = Callable[[str], Any]
"""The value of a secret config key: a Pulumi secret in the program, a placeholder when only sizing."""


def config_secret(key: str) -> pulumi.Output[str]:
    """A secret config value of the project's namespace, as a Pulumi secret."""
    return pulumi.Config(PROJECT).require_secret(key)


def _server_args(service: ServiceSpec, secret_value: SecretValue) -> Any:
    from inferfleet_inference_service import ModelServerArgs

    model = service.model
    return ModelServerArgs(
        model_name=model.name,
        model_path=model.path,
        port=model.port,
        health_path=model.health_path,
        ready_path=model.ready_path,
        max_batch_size=model.max_batch_size,
        max_sequence_length=model.max_sequence_length,
        precision=model.precision,
        extra=dict(model.extra),
        # Secret config values stay Pulumi secrets end to end: masked in the plan, never in a ConfigMap.
        secrets={name: secret_value(key) for name, key in sorted(service.secrets.items())},
    )


def vm_host_extras(fleet: FleetSpec, *, secret_value: SecretValue) -> dict[str, dict[str, Any]]:
    """Cloud-config parts (write_files, runcmd) per pool for services that run as systemd units on VMs."""
    from inferfleet_gpu_instance import load_catalog
    from inferfleet_inference_service import AcceleratorArgs, VmServiceArgs, vm_service_parts

    catalog = load_catalog()
    extras: dict[str, dict[str, Any]] = {}
    for service in fleet.services:
        pool = fleet.pool(service.pool)
        if pool is None or pool.placement not in VM_PLACEMENTS:
            continue
        offering = catalog.lookup(fleet.cloud, fleet.region, pool.accelerator, pool.flavor)
        parts = vm_service_parts(
            VmServiceArgs(
                name=service.name,
                image=service.image,
                server=_server_args(service, secret_value),
                accelerator=AcceleratorArgs(
                    family=offering.family,
                    resource=offering.device_plugin_resource,
                    per_replica=service.accelerators_per_replica,
                    per_node=offering.accelerators_per_node,
                ),
                startup_timeout_seconds=service.startup_timeout_seconds,
                shm_gib=service.shm_gib,
            )
        )
        extras[pool.name] = parts
    return extras


def compose_services(fleet: FleetSpec, *, stack: str, compute: ComputeLayer, tags: Mapping[str, str]) -> ServingLayer:
    """One InferenceService per Kubernetes-placed service; every service's placement and stage as outputs."""
    from inferfleet_inference_service import AcceleratorArgs, AutoscalingArgs, CanaryArgs, InferenceServiceArgs, TlsArgs

    del stack  # the stack name reaches the objects through `tags`
    providers: dict[str, k8s.Provider] = {}
    components: dict[str, InferenceService] = {}
    summary: dict[str, Any] = {}
    for service in fleet.services:
        pool_spec = fleet.pool(service.pool)
        if pool_spec is None:
            continue
        if pool_spec.placement != KUBERNETES_PLACEMENT:
            summary[service.name] = {
                "placement": pool_spec.placement,
                "pool": pool_spec.name,
                "stable_image": service.image,
                "unit": f"inferfleet-{service.name}.service",
            }
            continue
        # Imported here: pulumi-kubernetes costs ~0.4 s, and a fleet of VM services never needs it.
        import pulumi_kubernetes as k8s
        from inferfleet_inference_service import InferenceService

        pool = compute.pools[pool_spec.name]
        if pool_spec.name not in providers:
            providers[pool_spec.name] = k8s.Provider(f"{pool_spec.name}-kubernetes", kubeconfig=pool.kubeconfig)
        low, high = service.replica_range
        scaling = service.autoscaling
        canary = service.canary
        component = InferenceService(
            service.name,
            InferenceServiceArgs(
                namespace=service.resolved_namespace,
                image=service.image,
                cloud=fleet.cloud,
                server=_server_args(service, config_secret),
                accelerator=AcceleratorArgs(
                    family=pool.accelerator_family,
                    resource=pool.device_plugin_resource,
                    per_replica=service.accelerators_per_replica,
                    per_node=pool.accelerators_per_node,
                ),
                replicas=service.replicas,
                cpu=service.cpu,
                memory=service.memory,
                min_available=service.min_available,
                autoscaling=AutoscalingArgs(
                    min_replicas=low,
                    max_replicas=high,
                    cpu_utilization=scaling.cpu_utilization,
                    custom_metric=scaling.custom_metric,
                    custom_target=scaling.custom_target,
                ),
                canary=(
                    CanaryArgs(image=canary.image, stages=tuple(canary.stages), stage=canary.stage)
                    if canary is not None
                    else None
                ),
                node_selector=dict(pool.node_labels),
                node_taints=list(pool.node_taints),
                tags=dict(tags),
                ingress_class=service.ingress_class,
                ingress_host=service.ingress_host,
                tls=(
                    TlsArgs(secret_name=service.tls.secret_name, cluster_issuer=service.tls.cluster_issuer)
                    if service.tls is not None
                    else None
                ),
                ingress_namespace=service.ingress_namespace,
                monitoring_namespace=service.monitoring_namespace,
                egress_cidrs=[str(cidr) for cidr in service.egress_cidrs],
                egress_ports=list(service.egress_ports),
                service_monitor=service.service_monitor,
                startup_timeout_seconds=service.startup_timeout_seconds,
                cache_gib=service.cache_gib,
                shm_gib=service.shm_gib,
            ),
            opts=pulumi.ResourceOptions(provider=providers[pool_spec.name]),
        )
        components[service.name] = component
        summary[service.name] = {
            "placement": KUBERNETES_PLACEMENT,
            "pool": pool_spec.name,
            "namespace": component.namespace,
            "endpoint": component.endpoint,
            "stable_image": component.stable_image,
            "canary_image": component.canary_image,
            "canary_stage": component.canary_stage,
            "canary_weight": component.canary_weight,
        }
    outputs: dict[str, Any] = {"services": summary} if summary else {}
    return ServingLayer(services=components, providers=providers, outputs=outputs)
