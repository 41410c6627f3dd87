"""The one description of the model-server container, shared by the Kubernetes and the VM targets.

Both targets read the settings, the user, the mounts and the accelerator differences from here,
so a setting changed once reaches the ConfigMap and the VM's env file alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from inferfleet_inference_service.args import AcceleratorArgs, ModelServerArgs, SettingValue

RUN_AS_USER = 1000
"""Non-root uid/gid the server runs as on both targets."""
TMP_PATH = "/tmp"
SHM_PATH = "/dev/shm"
PORT_NAME = "http"

PROBE_PERIOD_SECONDS = 10
"""Period of the startup check (Kubernetes startupProbe, the VM health timer's base)."""
READINESS_FAILURES = 3
"""Failed checks in a row before the VM health timer restarts the unit."""
PROBE_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class ProbeTiming:
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int


READINESS = ProbeTiming(period_seconds=5, timeout_seconds=3, failure_threshold=2)
"""Tight: a server that stops answering its ready endpoint leaves the Service's endpoints within ~10 s."""
LIVENESS = ProbeTiming(period_seconds=20, timeout_seconds=10, failure_threshold=6)
"""Loose: a restart (a model reload of minutes) only after 2 minutes without an answer; an overloaded
server is taken out of rotation by readiness long before, and recovers there instead of restarting."""

ASCEND_DRIVER_MOUNTS: tuple[str, ...] = (
    "/usr/local/Ascend/driver",
    "/usr/local/bin/npu-smi",
    "/usr/local/dcmi",
    "/etc/ascend_install.info",
)
"""Host paths the Ascend user-space driver needs inside the container, mounted read-only."""
ASCEND_CONTROL_DEVICES: tuple[str, ...] = ("/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc")


@dataclass(frozen=True)
class FamilyRuntime:
    """What one accelerator family needs from the container runtime, per target."""

    env: dict[str, str]
    """Environment on both targets."""
    smi: str
    """The vendor's device query tool, used by the VM's pre-start check."""


FAMILIES: dict[str, FamilyRuntime] = {
    "nvidia": FamilyRuntime(env={"NVIDIA_DRIVER_CAPABILITIES": "compute,utility"}, smi="nvidia-smi"),
    # On Kubernetes the Ascend device plugin injects ASCEND_VISIBLE_DEVICES with the devices it
    # allocated; setting it in the pod would override that allocation, so only the VM sets it.
    "ascend": FamilyRuntime(env={"ASCEND_DRIVER_PATH": "/usr/local/Ascend/driver"}, smi="/usr/local/bin/npu-smi info"),
}


def _setting_text(value: SettingValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def server_environment(server: ModelServerArgs, accelerator: AcceleratorArgs) -> dict[str, str]:
    """The model server's settings as environment variables: the ConfigMap data and the VM env file."""
    settings: dict[str, str] = {
        "MODEL_NAME": server.model_name,
        "MODEL_PATH": server.model_path,
        "PORT": str(server.port),
        "HEALTH_PATH": server.health_path,
        "MAX_BATCH_SIZE": str(server.max_batch_size),
        "MAX_SEQUENCE_LENGTH": str(server.max_sequence_length),
        "PRECISION": server.precision,
        "ACCELERATOR_FAMILY": accelerator.family,
        "ACCELERATOR_COUNT": str(accelerator.per_replica),
        **FAMILIES[accelerator.family].env,
    }
    for key, value in sorted(server.extra.items()):
        settings[key.upper()] = _setting_text(value)
    return settings


def reserved_settings() -> frozenset[str]:
    """Variables the module sets itself; an extra setting of the same name would be lost or clash."""
    family_env = {name for runtime in FAMILIES.values() for name in runtime.env}
    return frozenset(
        {
            "MODEL_NAME", "MODEL_PATH", "PORT", "HEALTH_PATH", "MAX_BATCH_SIZE", "MAX_SEQUENCE_LENGTH", "PRECISION",
            "ACCELERATOR_FAMILY", "ACCELERATOR_COUNT", "ASCEND_VISIBLE_DEVICES", *family_env,
        }
    )  # fmt: skip


def startup_failure_threshold(startup_timeout_seconds: int) -> int:
    """Startup-probe failures that together cover the model's load time."""
    return math.ceil(startup_timeout_seconds / PROBE_PERIOD_SECONDS)


def canary_replicas(stable_replicas: int, weight: int) -> int:
    """Canary pods: enough to carry `weight`% of the stable track's load, never less redundant than it (up to 2)."""
    return max(min(2, stable_replicas), math.ceil(stable_replicas * weight / 100))
