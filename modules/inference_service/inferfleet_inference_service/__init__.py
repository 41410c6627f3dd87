"""inferfleet-inference-service: the model-server container on Kubernetes and on GPU VMs, with a staged canary."""

from typing import TYPE_CHECKING, Any

from inferfleet_inference_service.args import (
    AcceleratorArgs,
    AutoscalingArgs,
    CanaryArgs,
    InferenceServiceArgs,
    ModelServerArgs,
    TlsArgs,
    VmServiceArgs,
    validate_image,
    validate_inference_service,
    validate_vm_service,
)
from inferfleet_inference_service.container import server_environment
from inferfleet_inference_service.labels import label_value, labels_from_tags
from inferfleet_inference_service.objects import service_objects
from inferfleet_inference_service.validation import known_kubernetes_versions, validate_manifest
from inferfleet_inference_service.vm import vm_service_parts

if TYPE_CHECKING:
    from inferfleet_inference_service.service import InferenceService


def __getattr__(name: str) -> Any:
    # The component pulls in pulumi-kubernetes (~0.4 s); a fleet of VM services never needs it.
    if name == "InferenceService":
        from inferfleet_inference_service.service import InferenceService

        return InferenceService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AcceleratorArgs",
    "AutoscalingArgs",
    "CanaryArgs",
    "InferenceService",
    "InferenceServiceArgs",
    "ModelServerArgs",
    "TlsArgs",
    "VmServiceArgs",
    "known_kubernetes_versions",
    "label_value",
    "labels_from_tags",
    "server_environment",
    "service_objects",
    "validate_image",
    "validate_inference_service",
    "validate_manifest",
    "validate_vm_service",
    "vm_service_parts",
]
