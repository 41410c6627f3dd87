"""AWS, standalone: two EC2 instances with one NVIDIA A10G each.

The network comes from stack config (e.g. the outputs of an inferfleet-vpc stack):
    pulumi config set vpcId <id>
    pulumi config set securityGroupId <id>
    pulumi config set --path 'subnetIds.<zone>' <subnet id>   # one per zone
"""

import pulumi
import pulumi_aws as sdk
from inferfleet_gpu_instance import GpuPool, GpuPoolArgs, resolve_tuning

config = pulumi.Config()
provider = sdk.Provider("aws", region="us-west-2")
pool = GpuPool(
    "a10g",
    GpuPoolArgs(
        cloud="aws",
        region="us-west-2",
        accelerator="nvidia-a10g",
        placement="standalone",
        count=2,
        vpc_id=config.require("vpcId"),
        subnet_ids=config.require_object("subnetIds"),
        security_group_id=config.require("securityGroupId"),
        tuning=resolve_tuning("default"),
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
