"""The compute layer of a fleet: one GpuPool (module inferfleet-gpu-instance) per spec pool."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

from inferfleet import PROJECT
from inferfleet.compose.network import NetworkLayer
from inferfleet.spec.compute import PoolSpec
from inferfleet.spec.model import FleetSpec

if TYPE_CHECKING:
    from inferfleet_gpu_instance import ClusterArgs


@dataclass(frozen=True)
class ComputeLayer:
    pools: Mapping[str, Any] = field(default_factory=dict)
    """The GpuPool component of each pool, by pool name."""
    outputs: dict[str, Any] = field(default_factory=dict)


def compose_pools(
    fleet: FleetSpec,
    *,
    stack: str,
    provider: pulumi.ProviderResource,
    network: NetworkLayer,
    tags: Mapping[str, str],
    host_extras: Mapping[str, Mapping[str, Any]],
) -> ComputeLayer:
    """`host_extras`: extra cloud-config (write_files, runcmd) per pool name, e.g. a service's systemd unit."""
    from inferfleet_gpu_instance import GpuPool, GpuPoolArgs, resolve_tuning

    pools: dict[str, GpuPool] = {}
    summary: dict[str, Any] = {}
    for pool in fleet.pools:
        tuning = fleet.tuning_of(pool)
        args = GpuPoolArgs(
            cloud=fleet.cloud,
            region=fleet.region,
            accelerator=pool.accelerator,
            flavor=pool.flavor,
            placement=pool.placement,
            count=pool.count,
            min_count=pool.min_count,
            max_count=pool.max_count,
            image=pool.image,
            system_disk_gb=pool.system_disk_gb,
            data_disk_gb=pool.data_disk_gb,
            kms_key_id=pool.kms_key_id,
            key_pair=pool.key_pair,
            vpc_id=_required(network.vpc_id, "vpc_id"),
            subnet_ids={zone: network.subnet_ids[zone] for zone in fleet.network.zones if zone in network.subnet_ids},
            security_group_id=_required(network.security_group_id, "security_group_id"),
            tuning=resolve_tuning(tuning.profile, tuning.sysctl, tuning.block),
            extra_cloud_config=dict(host_extras.get(pool.name, {})),
            cluster=_cluster_args(pool),
            tags=dict(tags),
            protect=fleet.env == "prod",
            name_prefix=stack,
        )
        component = GpuPool(pool.name, args, pulumi.ResourceOptions(provider=provider))
        pools[pool.name] = component
        summary[pool.name] = {
            "accelerator": component.accelerator,
            "accelerators_per_node": component.accelerators_per_node,
            "flavor": component.flavor,
            "placement": component.placement,
            "instance_ids": component.instance_ids,
            "private_ips": component.private_ips,
            "group_id": component.group_id,
            "node_pool_id": component.node_pool_id,
            "cluster_id": component.cluster_id,
        }
    outputs: dict[str, Any] = {"pools": summary} if summary else {}
    kubeconfigs = {name: pool.kubeconfig for name, pool in pools.items() if pool.placement == "kubernetes"}
    if kubeconfigs:
        outputs["kubeconfigs"] = kubeconfigs
    return ComputeLayer(pools=pools, outputs=outputs)


def _required(value: pulumi.Input[str] | None, name: str) -> pulumi.Input[str]:
    if value is None:
        # The network layer always sets these; None means the layer contract changed.
        raise RuntimeError(f"the network layer returned no {name}; GPU pools need it")
    return value


def _cluster_args(pool: PoolSpec) -> ClusterArgs | None:
    from inferfleet_gpu_instance import ClusterArgs

    if pool.cluster is None:
        return None
    cluster = pool.cluster
    kubeconfig = (
        pulumi.Config(PROJECT).require_secret(cluster.kubeconfig_key) if cluster.kubeconfig_key is not None else None
    )
    return ClusterArgs(
        id=cluster.id,
        create=cluster.create,
        version=cluster.version,
        kubeconfig=kubeconfig,
        pod_cidr=str(cluster.pod_cidr),
        service_cidr=str(cluster.service_cidr),
    )
