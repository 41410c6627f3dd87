"""Tencent Cloud, scaling group: an AS group of NVIDIA T4 instances (no data disk: AS cannot encrypt one).

The network comes from stack config (e.g. the outputs of an inferfleet-vpc stack):
    pulumi config set vpcId <id>
    pulumi config set securityGroupId <id>
    pulumi config set --path 'subnetIds.<zone>' <subnet id>   # one per zone
"""

import pulumi
import tencentcloud_iac_pulumi as sdk
from inferfleet_gpu_instance import GpuPool, GpuPoolArgs, resolve_tuning

config = pulumi.Config()
provider = sdk.Provider("tencentcloud", region="ap-guangzhou")
pool = GpuPool(
    "t4",
    GpuPoolArgs(
        cloud="tencentcloud",
        region="ap-guangzhou",
        accelerator="nvidia-t4",
        placement="scaling_group",
        count=2,
        min_count=2,
        max_count=4,
        data_disk_gb=0,
        vpc_id=config.require("vpcId"),
        subnet_ids=config.require_object("subnetIds"),
        security_group_id=config.require("securityGroupId"),
        tuning=resolve_tuning("edge"),
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
pulumi.export("group_id", pool.group_id)
