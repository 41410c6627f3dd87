"""Alibaba Cloud, kubernetes: an ACK cluster and an NVIDIA A10 node pool.

The network comes from stack config (e.g. the outputs of an inferfleet-vpc stack):
    pulumi config set vpcId <id>
    pulumi config set securityGroupId <id>
    pulumi config set --path 'subnetIds.<zone>' <subnet id>   # one per zone
"""

import pulumi
import pulumi_alicloud as sdk
from inferfleet_gpu_instance import ClusterArgs, GpuPool, GpuPoolArgs, resolve_tuning

config = pulumi.Config()
provider = sdk.Provider("alicloud", region="cn-shanghai")
pool = GpuPool(
    "a10",
    GpuPoolArgs(
        cloud="alicloud",
        region="cn-shanghai",
        accelerator="nvidia-a10",
        placement="kubernetes",
        count=2,
        min_count=2,
        max_count=4,
        cluster=ClusterArgs(create=True),
        vpc_id=config.require("vpcId"),
        subnet_ids=config.require_object("subnetIds"),
        security_group_id=config.require("securityGroupId"),
        tuning=resolve_tuning("high-bdp"),
        tags={
            "team": "inference",
            "env": "dev",
            "cost-center": "cc-0000",
            "stack": pulumi.get_stack(),
            "stack-version": "0.1.0",
        },
        name_prefix=pulumi.get_stack(),
    ),
    pulumi.ResourceOptions(provider=provider),
)
pulumi.export("cluster_id", pool.cluster_id)
pulumi.export("node_pool_id", pool.node_pool_id)
pulumi.export("kubeconfig", pool.kubeconfig)
