"""Tencent Cloud: CVM instances, an AS group, or a TKE node pool; data disks encrypted where the SDK can."""

from __future__ import annotations

import pulumi
import tencentcloud_iac_pulumi as tc

from inferfleet_gpu_instance._cloud import Placed, PoolContext, taint_effect
from inferfleet_gpu_instance.args import zones_for

DISK_TYPE = "CLOUD_PREMIUM"
CHARGE_TYPE = "POSTPAID_BY_HOUR"


class TencentCompute:
    def standalone(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        placed = Placed()
        for index, zone in enumerate(zones_for(args.count, ctx.zones)):
            instance = tc.instance.Instance(
                f"{ctx.name}-node-{index}",
                instance_name=f"{ctx.cloud_name}-{index}",
                instance_type=ctx.offering.flavor,
                image_id=ctx.image,
                availability_zone=zone,
                vpc_id=args.vpc_id,
                subnet_id=ctx.subnet(zone),
                orderly_security_groups=[args.security_group_id],
                system_disk_type=DISK_TYPE,
                system_disk_size=args.system_disk_gb,
                data_disks=[
                    tc.instance.InstanceDataDiskArgs(
                        data_disk_type=DISK_TYPE,
                        data_disk_size=args.data_disk_gb,
                        encrypt=True,
                        kms_key_id=args.kms_key_id,
                    )
                ]
                if args.data_disk_gb
                else None,
                user_data=ctx.user_data.value,
                allocate_public_ip=False,
                instance_charge_type=CHARGE_TYPE,
                key_ids=[args.key_pair] if args.key_pair else None,
                disable_api_termination=args.protect,
                tags=ctx.tags,
                opts=ctx.opts(stateful=True),
            )
            placed.instance_ids.append(instance.id)
            placed.private_ips.append(instance.private_ip)
        return placed

    def scaling_group(self, ctx: PoolContext) -> Placed:
        # No data disk here: ScalingConfigDataDiskArgs cannot encrypt (refused by validate_disks).
        args = ctx.args
        config = tc.as_.ScalingConfig(
            f"{ctx.name}-scaling-config",
            configuration_name=ctx.cloud_name,
            instance_types=[ctx.offering.flavor],
            image_id=ctx.image,
            security_group_ids=[args.security_group_id],
            system_disk_type=DISK_TYPE,
            system_disk_size=args.system_disk_gb,
            user_data=ctx.user_data.value,
            public_ip_assigned=False,
            instance_charge_type=CHARGE_TYPE,
            key_ids=[args.key_pair] if args.key_pair else None,
            instance_tags=ctx.tags,
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        low, high = args.size_range
        group = tc.as_.ScalingGroup(
            f"{ctx.name}-group",
            scaling_group_name=ctx.cloud_name,
            configuration_id=config.id,
            vpc_id=args.vpc_id,
            subnet_ids=ctx.subnet_list,
            min_size=low,
            max_size=high,
            desired_capacity=args.count,
            multi_zone_subnet_policy="EQUALITY",
            termination_policies="OLDEST_INSTANCE",
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        return Placed(group_id=group.id)

    def kubernetes(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        cluster_spec = args.cluster
        assert cluster_spec is not None  # validated by the component
        cluster_id: pulumi.Input[str]
        kubeconfig: pulumi.Input[str] | None = cluster_spec.kubeconfig
        if cluster_spec.create:
            cluster = tc.kubernetes.Cluster(
                f"{ctx.name}-cluster",
                cluster_name=ctx.cloud_name,
                cluster_version=f"{cluster_spec.version}.0",
                cluster_deploy_type="MANAGED_CLUSTER",
                vpc_id=args.vpc_id,
                cluster_cidr=cluster_spec.pod_cidr,
                service_cidr=cluster_spec.service_cidr,
                cluster_internet=False,
                cluster_intranet=True,
                cluster_intranet_subnet_id=ctx.subnet_list[0],
                container_runtime="containerd",
                deletion_protection=args.protect,
                tags=ctx.tags,
                opts=ctx.opts(stateful=True),
            )
            cluster_id = cluster.id
            kubeconfig = cluster.kube_config_intranet
        else:
            cluster_id = str(cluster_spec.id)
        low, high = args.size_range
        node_pool = tc.kubernetes.NodePool(
            f"{ctx.name}-node-pool",
            name=ctx.cloud_name,
            cluster_id=cluster_id,
            vpc_id=args.vpc_id,
            subnet_ids=ctx.subnet_list,
            min_size=low,
            max_size=high,
            desired_capacity=args.count,
            enable_auto_scale=low != high,
            multi_zone_subnet_policy="EQUALITY",
            node_os=ctx.image,
            auto_scaling_config=tc.kubernetes.NodePoolAutoScalingConfigArgs(
                instance_type=ctx.offering.flavor,
                system_disk_type=DISK_TYPE,
                system_disk_size=args.system_disk_gb,
                data_disks=[
                    tc.kubernetes.NodePoolAutoScalingConfigDataDiskArgs(
                        disk_type=DISK_TYPE, disk_size=args.data_disk_gb, encrypt=True
                    )
                ]
                if args.data_disk_gb
                else None,
                orderly_security_group_ids=[args.security_group_id],
                public_ip_assigned=False,
                instance_charge_type=CHARGE_TYPE,
                key_ids=[args.key_pair] if args.key_pair else None,
            ),
            labels=ctx.node_labels,
            taints=[
                tc.kubernetes.NodePoolTaintArgs(
                    key=t["key"], value=t["value"], effect=taint_effect("tencentcloud", t["effect"])
                )
                for t in ctx.node_taints
            ],
            node_config=tc.kubernetes.NodePoolNodeConfigArgs(user_data=ctx.user_data.value),
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        return Placed(node_pool_id=node_pool.id, cluster_id=cluster_id, kubeconfig=kubeconfig)


COMPUTE = TencentCompute()
