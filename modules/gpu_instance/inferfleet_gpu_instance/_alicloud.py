"""Alibaba Cloud: ECS instances, an ESS group, or an ACK node pool; disks encrypted (service key unless given)."""

from __future__ import annotations

import pulumi
import pulumi_alicloud as ali

from inferfleet_gpu_instance._cloud import Placed, PoolContext, taint_effect
from inferfleet_gpu_instance.args import zones_for

DISK_CATEGORY = "cloud_essd"
CLUSTER_SPEC = "ack.pro.small"


class AlibabaCompute:
    def standalone(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        placed = Placed()
        for index, zone in enumerate(zones_for(args.count, ctx.zones)):
            instance = ali.ecs.Instance(
                f"{ctx.name}-node-{index}",
                instance_name=f"{ctx.cloud_name}-{index}",
                instance_type=ctx.offering.flavor,
                image_id=ctx.image,
                vswitch_id=ctx.subnet(zone),
                security_groups=[args.security_group_id],
                system_disk_category=DISK_CATEGORY,
                system_disk_size=args.system_disk_gb,
                system_disk_encrypted=True,
                system_disk_kms_key_id=args.kms_key_id,
                data_disks=[
                    ali.ecs.InstanceDataDiskArgs(
                        size=args.data_disk_gb, category=DISK_CATEGORY, encrypted=True, kms_key_id=args.kms_key_id
                    )
                ]
                if args.data_disk_gb
                else None,
                user_data=ctx.user_data.value,
                internet_max_bandwidth_out=0,
                instance_charge_type="PostPaid",
                key_name=args.key_pair,
                deletion_protection=args.protect,
                tags=ctx.tags,
                volume_tags=ctx.tags,
                opts=ctx.opts(stateful=True),
            )
            placed.instance_ids.append(instance.id)
            placed.private_ips.append(instance.private_ip)
        return placed

    def scaling_group(self, ctx: PoolContext) -> Placed:
        args = ctx.args
        low, high = args.size_range
        group = ali.ess.ScalingGroup(
            f"{ctx.name}-group",
            scaling_group_name=ctx.cloud_name,
            min_size=low,
            max_size=high,
            desired_capacity=args.count,
            vswitch_ids=ctx.subnet_list,
            multi_az_policy="BALANCE",
            removal_policies=["OldestScalingConfiguration", "OldestInstance"],
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        ali.ess.ScalingConfiguration(
            f"{ctx.name}-scaling-config",
            scaling_group_id=group.id,
            scaling_configuration_name=ctx.cloud_name,
            instance_type=ctx.offering.flavor,
            image_id=ctx.image,
            security_group_ids=[args.security_group_id],
            system_disk_category=DISK_CATEGORY,
            system_disk_size=args.system_disk_gb,
            system_disk_encrypted=True,
            system_disk_kms_key_id=args.kms_key_id,
            data_disks=[
                ali.ess.ScalingConfigurationDataDiskArgs(
                    size=args.data_disk_gb, category=DISK_CATEGORY, encrypted=True, kms_key_id=args.kms_key_id
                )
            ]
            if args.data_disk_gb
            else None,
            user_data=ctx.user_data.value,
            internet_max_bandwidth_out=0,
            key_name=args.key_pair,
            active=True,
            enable=True,
            force_delete=True,
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
            # ACK takes an exact patch version (1.31.1-aliyun.1) that cannot be known offline: the
            # cluster gets the latest patch of the service's default minor until pinned by hand.
            cluster = ali.cs.ManagedKubernetes(
                f"{ctx.name}-cluster",
                name=ctx.cloud_name,
                cluster_spec=CLUSTER_SPEC,
                vswitch_ids=ctx.subnet_list,
                pod_cidr=cluster_spec.pod_cidr,
                service_cidr=cluster_spec.service_cidr,
                new_nat_gateway=False,
                slb_internet_enabled=False,
                deletion_protection=args.protect,
                tags=ctx.tags,
                opts=ctx.opts(stateful=True),
            )
            cluster_id = cluster.id
            credential = ali.cs.get_cluster_credential_output(
                cluster_id=cluster.id, opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider)
            )
            kubeconfig = credential.kube_config
        else:
            cluster_id = str(cluster_spec.id)
        low, high = args.size_range
        node_pool = ali.cs.NodePool(
            f"{ctx.name}-node-pool",
            cluster_id=cluster_id,
            node_pool_name=ctx.cloud_name,
            vswitch_ids=ctx.subnet_list,
            instance_types=[ctx.offering.flavor],
            image_type=ctx.image,
            security_group_ids=[args.security_group_id],
            system_disk_category=DISK_CATEGORY,
            system_disk_size=args.system_disk_gb,
            system_disk_encrypted=True,
            system_disk_kms_key=args.kms_key_id,
            data_disks=[
                ali.cs.NodePoolDataDiskArgs(
                    size=args.data_disk_gb, category=DISK_CATEGORY, encrypted="true", kms_key_id=args.kms_key_id
                )
            ]
            if args.data_disk_gb
            else None,
            desired_size=str(args.count) if low == high else None,  # the SDK types it as a string
            scaling_config=ali.cs.NodePoolScalingConfigArgs(enable=True, min_size=low, max_size=high)
            if low != high
            else None,
            labels=[ali.cs.NodePoolLabelArgs(key=key, value=value) for key, value in ctx.node_labels.items()],
            taints=[
                ali.cs.NodePoolTaintArgs(key=t["key"], value=t["value"], effect=taint_effect("alicloud", t["effect"]))
                for t in ctx.node_taints
            ],
            user_data=ctx.user_data.value,
            runtime_name="containerd",
            internet_max_bandwidth_out=0,
            instance_charge_type="PostPaid",
            key_name=args.key_pair,
            tags=ctx.tags,
            opts=ctx.opts(),
        )
        return Placed(node_pool_id=node_pool.id, cluster_id=cluster_id, kubeconfig=kubeconfig)


COMPUTE = AlibabaCompute()
