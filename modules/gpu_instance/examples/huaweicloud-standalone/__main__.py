"""Huawei Cloud, standalone: two ECS instances with one NVIDIA T4 each.

The network comes from stack config (e.g. the outputs of an inferfleet-vpc stack):
    pulumi config set vpcId <id>
    pulumi config set securityGroupId <id>
    pulumi config set --path 'subnetIds.<zone>' <subnet id>   # one per zone
"""

import pulumi
import pulumi_huaweicloud as sdk
from inferfleet_gpu_instance import GpuPool, GpuPoolArgs, resolve_tuning

config = pulumi.Config()
provider = sdk.Provider("huaweicloud", region="cn-north-4")
pool = GpuPool(
    "t4",
    GpuPoolArgs(
        cloud="huaweicloud",
        region="cn-north-4",
        accelerator="nvidia-t4",
        placement="standalone",
        count=2,
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
pulumi.export("instance_ids", pool.instance_ids)
pulumi.export("private_ips", pool.private_ips)
