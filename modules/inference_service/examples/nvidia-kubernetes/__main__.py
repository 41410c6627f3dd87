"""An NVIDIA model server on an existing cluster, with a canary receiving 5% of the traffic."""

import pulumi
import pulumi_kubernetes as k8s
from inferfleet_inference_service import (
    AcceleratorArgs,
    CanaryArgs,
    InferenceService,
    InferenceServiceArgs,
    ModelServerArgs,
    TlsArgs,
)

config = pulumi.Config()
cluster = k8s.Provider("eks", kubeconfig=config.require_secret("kubeconfig"))

service = InferenceService(
    "autoglm",
    InferenceServiceArgs(
        namespace="autoglm",
        cloud="aws",
        image="123456789012.dkr.ecr.us-west-2.amazonaws.com/inference/autoglm-server@sha256:"
        "3f1e6c1a9b5d4e2f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
        server=ModelServerArgs(model_name="autoglm-phone-9b", max_batch_size=16),
        accelerator=AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu", per_replica=1, per_node=1),
        replicas=2,
        node_selector={"inferfleet.io/pool": "a10g"},
        node_taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
        canary=CanaryArgs(
            image="123456789012.dkr.ecr.us-west-2.amazonaws.com/inference/autoglm-server@sha256:"
            "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
            stage=0,
        ),
        tags={"team": "inference-platform", "env": "prod", "cost-center": "cc-4410"},
        # The canary's 5% is an NGINX canary Ingress for this host; cert-manager issues its certificate.
        ingress_host="autoglm.us-west.inference.example.com",
        tls=TlsArgs(cluster_issuer="letsencrypt-prod"),
        # The network of the endpoint the weights are downloaded from (a documentation range here).
        egress_cidrs=["203.0.113.0/24"],
        service_monitor=True,
    ),
    opts=pulumi.ResourceOptions(provider=cluster),
)

pulumi.export("endpoint", service.endpoint)
pulumi.export("canary_weight", service.canary_weight)
