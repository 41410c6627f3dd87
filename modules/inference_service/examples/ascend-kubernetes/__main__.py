"""An Ascend 910B model server (2 NPUs per replica) on an existing CCE cluster, autoscaled on queue depth."""

import pulumi
import pulumi_kubernetes as k8s
from inferfleet_inference_service import (
    AcceleratorArgs,
    AutoscalingArgs,
    InferenceService,
    InferenceServiceArgs,
    ModelServerArgs,
)

config = pulumi.Config()
cluster = k8s.Provider("cce", kubeconfig=config.require_secret("kubeconfig"))

service = InferenceService(
    "autoglm",
    InferenceServiceArgs(
        namespace="autoglm",
        cloud="huaweicloud",  # pods name CCE's default-secret to pull from SWR
        image="swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server@sha256:"
        "3f1e6c1a9b5d4e2f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
        server=ModelServerArgs(model_name="autoglm-phone-9b", max_sequence_length=8192, precision="bf16"),
        accelerator=AcceleratorArgs(family="ascend", resource="huawei.com/Ascend910", per_replica=2, per_node=8),
        replicas=2,
        autoscaling=AutoscalingArgs(min_replicas=2, max_replicas=8, custom_metric="queue_depth", custom_target=8),
        node_selector={"accelerator": "huawei-Ascend910"},
        tags={"team": "inference-platform", "env": "prod", "cost-center": "cc-4410"},
    ),
    opts=pulumi.ResourceOptions(provider=cluster),
)

pulumi.export("endpoint", service.endpoint)
