"""Huawei Cloud, kubernetes: a CCE cluster and an Ascend 910B bare-metal node pool.

The network comes from stack config (e.g. the outputs of an inferfleet-vpc stack):
    pulumi config set vpcId <id>
    pulumi config set securityGroupId <id>
    pulumi config set --path 'subnetIds.<zone>' <subnet id>   # one per zone
"""

import pulumi
import pulumi_huaweicloud as sdk
from inferfleet_gpu_instance import ClusterArgs, GpuPool, GpuPoolArgs, resolve_tuning

config = pulumi.Config()
provider = sdk.Provider("huaweicloud", region="cn-south-1")
pool = GpuPool(
    "ascend",
    GpuPoolArgs(
        cloud="huaweicloud",
        region="cn-south-1",
        accelerator="ascend-910b",
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
