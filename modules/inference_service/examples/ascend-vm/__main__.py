"""The model server as a systemd unit on a Huawei Cloud Ascend ECS: the unit travels in the user data."""

import pulumi
import pulumi_huaweicloud as huaweicloud
import yaml
from inferfleet_inference_service import AcceleratorArgs, ModelServerArgs, VmServiceArgs, vm_service_parts

config = pulumi.Config()
parts = vm_service_parts(
    VmServiceArgs(
        name="autoglm",
        image="swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server@sha256:"
        "3f1e6c1a9b5d4e2f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
        server=ModelServerArgs(model_name="autoglm-phone-9b", max_batch_size=16),
        accelerator=AcceleratorArgs(family="ascend", resource="huawei.com/Ascend910", per_node=8),
    )
)

instance = huaweicloud.ecs.Instance(
    "autoglm-vm",
    flavor_id=config.require("flavor"),
    image_id=config.require("image_id"),
    networks=[huaweicloud.ecs.InstanceNetworkArgs(uuid=config.require("subnet_id"))],
    user_data="#cloud-config\n" + yaml.safe_dump(parts, sort_keys=False),
)

pulumi.export("instance_id", instance.id)
