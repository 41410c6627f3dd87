"""Huawei Cloud: ECS instances, an AS group, or a CCE node pool; disks encrypted with a DEW (KMS) key."""

from __future__ import annotations

import re

import pulumi
import pulumi_huaweicloud as hw

from inferfleet_gpu_instance._cloud import Placed, PoolContext, taint_effect
from inferfleet_gpu_instance.args import zones_for

DISK_TYPE = "SSD"
CLUSTER_FLAVOR = "cce.s2.small"
"""HA control plane (three masters) for up to 50 nodes."""
_IMAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CCE_MIN_DATA_VOLUME_GB = 100
"""CCE needs a data volume of at least 100 GB for the container runtime."""


class HuaweiCompute:
    def standalone(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        key_id = _disk_key(ctx)
        placed = Placed()
        for index, zone in enumerate(zones_for(args.count, ctx.zones)):
            instance = hw.ecs.Instance(
                f"{ctx.name}-node-{index}",
                name=f"{ctx.cloud_name}-{index}",
                flavor_id=ctx.offering.flavor,
                # ECS takes an image by id (a UUID) or by its public name.
                image_id=ctx.image if _IMAGE_ID.fullmatch(ctx.image) else None,
                image_name=None if _IMAGE_ID.fullmatch(ctx.image) else ctx.image,
                availability_zone=zone,
                networks=[hw.ecs.InstanceNetworkArgs(uuid=ctx.subnet(zone))],
                security_group_ids=[args.security_group_id],
                system_disk_type=DISK_TYPE,
                system_disk_size=args.system_disk_gb,
                system_disk_kms_key_id=key_id,
                data_disks=[hw.ecs.InstanceDataDiskArgs(type=DISK_TYPE, size=args.data_disk_gb, kms_key_id=key_id)]
                if args.data_disk_gb
                else None,
                user_data=ctx.user_data.value,
                key_pair=args.key_pair,
                charging_mode="postPaid",
                tags=ctx.tags,
                opts=ctx.opts(stateful=True),
            )
            placed.instance_ids.append(instance.id)
            placed.private_ips.append(instance.access_ip_v4)
        return placed

    def scaling_group(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        key_id = _disk_key(ctx)
        disks = [
            hw.as_.ConfigurationInstanceConfigDiskArgs(
                size=args.system_disk_gb, volume_type=DISK_TYPE, disk_type="SYS", kms_id=key_id
            )
        ]
        if args.data_disk_gb:
            disks.append(
                hw.as_.ConfigurationInstanceConfigDiskArgs(
                    size=args.data_disk_gb, volume_type=DISK_TYPE, disk_type="DATA", kms_id=key_id
                )
            )
        configuration = hw.as_.Configuration(
            f"{ctx.name}-scaling-config",
            scaling_configuration_name=ctx.cloud_name,
            instance_config=hw.as_.ConfigurationInstanceConfigArgs(
                flavor=ctx.offering.flavor,
                image=ctx.image,
                security_group_ids=[args.security_group_id],
                user_data=ctx.user_data.value,
                key_name=args.key_pair,
                disks=disks,
            ),
            opts=ctx.opts(),
        )
        low, high = args.size_range
        group = hw.as_.Group(
            f"{ctx.name}-group",
            scaling_group_name=ctx.cloud_name,
            scaling_configuration_id=configuration.id,
            vpc_id=args.vpc_id,
            networks=[hw.as_.GroupNetworkArgs(id=subnet) for subnet in ctx.subnet_list],
            security_groups=[hw.as_.GroupSecurityGroupArgs(id=args.security_group_id)],
            availability_zones=ctx.zones,
            multi_az_scaling_policy="EQUILIBRIUM_DISTRIBUTE",
            min_instance_number=low,
            max_instance_number=high,
            desire_instance_number=args.count,
            delete_publicip=True,
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        return Placed(group_id=group.id)

    def kubernetes(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        cluster_spec = args.cluster
        assert cluster_spec is not None  # validated by the component
        key_id = _disk_key(ctx)
        cluster_id: pulumi.Input[str]
        kubeconfig: pulumi.Input[str] | None = cluster_spec.kubeconfig
        if cluster_spec.create:
            cluster = hw.cce.Cluster(
                f"{ctx.name}-cluster",
                name=ctx.cloud_name,
                vpc_id=args.vpc_id,
                subnet_id=ctx.subnet_list[0],
                flavor_id=CLUSTER_FLAVOR,
                cluster_version=f"v{cluster_spec.version}",
                container_network_type="vpc-router",
                container_network_cidr=cluster_spec.pod_cidr,
                service_network_cidr=cluster_spec.service_cidr,
                tags=ctx.tags,
                opts=ctx.opts(stateful=True),
            )
            cluster_id = cluster.id
            kubeconfig = cluster.kube_config_raw
        else:
            cluster_id = str(cluster_spec.id)
        low, high = args.size_range
        node_pool = hw.cce.NodePool(
            f"{ctx.name}-node-pool",
            cluster_id=cluster_id,
            name=ctx.cloud_name,
            type="ElasticBMS" if ctx.offering.bare_metal else "vm",
            flavor_id=ctx.offering.flavor,
            os=ctx.image,
            runtime="containerd",
            initial_node_count=args.count,
            scall_enable=low != high,
            min_node_count=low,
            max_node_count=high,
            subnet_id=ctx.subnet_list[0],
            security_groups=[args.security_group_id],
            key_pair=args.key_pair,
            root_volume=hw.cce.NodePoolRootVolumeArgs(
                size=args.system_disk_gb, volumetype=DISK_TYPE, kms_key_id=key_id
            ),
            data_volumes=[
                hw.cce.NodePoolDataVolumeArgs(
                    size=max(args.data_disk_gb, CCE_MIN_DATA_VOLUME_GB), volumetype=DISK_TYPE, kms_key_id=key_id
                )
            ],
            labels=ctx.node_labels,
            taints=[
                hw.cce.NodePoolTaintArgs(
                    key=t["key"], value=t["value"], effect=taint_effect("huaweicloud", t["effect"])
                )
                for t in ctx.node_taints
            ],
            postinstall=ctx.user_data.value,
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        return Placed(node_pool_id=node_pool.id, cluster_id=cluster_id, kubeconfig=kubeconfig)


def _disk_key(ctx: PoolContext) -> pulumi.Input[str]:
    """Huawei encrypts a disk only with an explicit KMS key: the given one, or one the pool owns."""
    if ctx.args.kms_key_id is not None:
        return ctx.args.kms_key_id
    key = hw.dew.Key(
        f"{ctx.name}-disk-key",
        key_alias=f"{ctx.cloud_name}-disk",
        key_description=f"Disks of GPU pool {ctx.cloud_name}",
        rotation_enabled=True,
        tags=ctx.tags,
        opts=ctx.opts(stateful=True),
    )
    return key.id


COMPUTE = HuaweiCompute()
