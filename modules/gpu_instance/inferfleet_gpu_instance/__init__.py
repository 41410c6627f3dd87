"""inferfleet-gpu-instance: GPU/NPU node pools on four clouds, an accelerator catalog, and host tuning as cloud-init."""

from inferfleet_gpu_instance.args import ClusterArgs, GpuPoolArgs
from inferfleet_gpu_instance.catalog import Catalog, CatalogError, NotOfferedError, Offering, load_catalog
from inferfleet_gpu_instance.cloudinit import MARKER_PATH, merge_cloud_config, render_cloud_config
from inferfleet_gpu_instance.gpu_pool import GpuPool
from inferfleet_gpu_instance.tuning import (
    BLOCK_ATTRIBUTES,
    BLOCK_DEVICES,
    DEVICE_CLASSES,
    PROFILE_NAMES,
    PROFILES,
    SYSCTL_KEYS,
    HostTuning,
    TuningError,
    block_problems,
    resolve_tuning,
    tuning_problems,
)
from inferfleet_gpu_instance.userdata import USER_DATA_FIELDS, UserData, build_user_data

__all__ = [
    "BLOCK_ATTRIBUTES",
    "BLOCK_DEVICES",
    "DEVICE_CLASSES",
    "MARKER_PATH",
    "PROFILES",
    "PROFILE_NAMES",
    "SYSCTL_KEYS",
    "USER_DATA_FIELDS",
    "Catalog",
    "CatalogError",
    "ClusterArgs",
    "GpuPool",
    "GpuPoolArgs",
    "HostTuning",
    "NotOfferedError",
    "Offering",
    "TuningError",
    "UserData",
    "block_problems",
    "build_user_data",
    "load_catalog",
    "merge_cloud_config",
    "render_cloud_config",
    "resolve_tuning",
    "tuning_problems",
]
