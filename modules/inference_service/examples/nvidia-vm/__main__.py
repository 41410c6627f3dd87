"""The model server as a systemd unit on an AWS NVIDIA A10G instance: the unit travels in the user data."""

import pulumi
import pulumi_aws as aws
import yaml
from inferfleet_inference_service import AcceleratorArgs, ModelServerArgs, VmServiceArgs, vm_service_parts

config = pulumi.Config()
parts = vm_service_parts(
    VmServiceArgs(
        name="autoglm",
        image="123456789012.dkr.ecr.us-west-2.amazonaws.com/inference/autoglm-server@sha256:"
        "3f1e6c1a9b5d4e2f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
        server=ModelServerArgs(model_name="autoglm-phone-9b"),
        accelerator=AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu", per_node=1),
    )
)

instance = aws.ec2.Instance(
    "autoglm-vm",
    ami=config.require("ami"),
    instance_type="g5.xlarge",
    subnet_id=config.require("subnet_id"),
    user_data="#cloud-config\n" + yaml.safe_dump(parts, sort_keys=False),
    user_data_replace_on_change=True,
    tags={"team": "inference-platform", "env": "prod", "cost-center": "cc-4410"},
)

pulumi.export("instance_id", instance.id)
