"""The VM target: the systemd unit, env file and health check a GPU VM's cloud-init installs."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hostfile_syntax import parse_environment_file, parse_unit, script_values, split_command
from inferfleet_inference_service import (
    AcceleratorArgs,
    InferenceServiceArgs,
    ModelServerArgs,
    VmServiceArgs,
    service_objects,
    vm,
    vm_service_parts,
)

IMAGE = "swr.cn-south-1.myhuaweicloud.com/inference/autoglm-server@sha256:" + "3" * 64
SERVER = ModelServerArgs(model_name="autoglm-phone-9b", max_batch_size=16, extra={"tensor_parallel": 8})
NVIDIA = AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu", per_replica=1, per_node=4)
ASCEND = AcceleratorArgs(family="ascend", resource="huawei.com/Ascend910", per_replica=1, per_node=8)


def _parts(accelerator: AcceleratorArgs, **changes: Any) -> dict[str, Any]:
    args = VmServiceArgs(name="autoglm", image=IMAGE, server=SERVER, accelerator=accelerator)
    return vm_service_parts(dataclasses.replace(args, **changes))


def _files(parts: dict[str, Any]) -> dict[str, str]:
    return {item["path"]: item["content"] for item in parts["write_files"]}


def _exec_start(parts: dict[str, Any]) -> list[str]:
    unit = parse_unit(_files(parts)["/etc/systemd/system/inferfleet-autoglm.service"])
    (line,) = unit.values("Service", "ExecStart")
    return split_command(line)[1]


def _flag_values(command: list[str], flag: str) -> list[str]:
    return [command[i + 1] for i, word in enumerate(command) if word == flag]


def test_the_parts_are_cloud_config_write_files_and_runcmd() -> None:
    parts = _parts(NVIDIA)
    assert set(parts) == {"write_files", "runcmd"}
    assert sorted(_files(parts)) == [
        "/etc/inferfleet/autoglm.env",
        "/etc/systemd/system/inferfleet-autoglm-health.service",
        "/etc/systemd/system/inferfleet-autoglm-health.timer",
        "/etc/systemd/system/inferfleet-autoglm.service",
        "/usr/local/lib/inferfleet/health-autoglm.sh",
    ]
    for item in parts["write_files"]:
        assert set(item) == {"path", "owner", "permissions", "content"}
    assert parts["runcmd"] == [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", "inferfleet-autoglm.service", "inferfleet-autoglm-health.timer"],
    ]


def test_the_env_file_holds_the_same_settings_as_the_kubernetes_configmap() -> None:
    env = parse_environment_file(_files(_parts(NVIDIA))["/etc/inferfleet/autoglm.env"])
    kubernetes = InferenceServiceArgs(namespace="autoglm", image=IMAGE, server=SERVER, accelerator=NVIDIA)
    configmap = next(o.manifest for o in service_objects("autoglm", kubernetes) if o.role == "settings")
    # The VM gives the server every accelerator of the node; every other setting is identical.
    assert env == {**configmap["data"], "ACCELERATOR_COUNT": "4"}
    assert env["MAX_BATCH_SIZE"] == "16"
    assert env["TENSOR_PARALLEL"] == "8"


def test_nvidia_unit_runs_the_image_with_all_gpus_hardened() -> None:
    command = _exec_start(_parts(NVIDIA))
    assert command[:2] == ["/usr/bin/docker", "run"]
    assert command[-1] == IMAGE
    assert _flag_values(command, "--gpus") == ["all"]
    env = parse_environment_file(_files(_parts(NVIDIA))["/etc/inferfleet/autoglm.env"])
    assert _flag_values(command, "--env") == list(env)  # each value comes from the unit's EnvironmentFile
    assert "--env-file" not in command
    assert _flag_values(command, "--user") == ["1000:1000"]
    assert "--read-only" in command
    assert _flag_values(command, "--cap-drop") == ["ALL"]
    assert _flag_values(command, "--security-opt") == ["no-new-privileges"]
    assert _flag_values(command, "--publish") == ["8000:8000"]
    assert _flag_values(command, "--volume") == ["/var/lib/inferfleet/autoglm/cache:/models"]
    assert "--device" not in command


def test_ascend_unit_mounts_the_npu_devices_and_the_driver() -> None:
    command = _exec_start(_parts(ASCEND))
    assert "--gpus" not in command
    assert _flag_values(command, "--device") == [
        *(f"/dev/davinci{index}" for index in range(8)),
        "/dev/davinci_manager",
        "/dev/devmm_svm",
        "/dev/hisi_hdc",
    ]
    volumes = _flag_values(command, "--volume")
    for path in ("/usr/local/Ascend/driver", "/usr/local/bin/npu-smi", "/usr/local/dcmi"):
        assert f"{path}:{path}:ro" in volumes
    assert "ASCEND_VISIBLE_DEVICES=0,1,2,3,4,5,6,7" in _flag_values(command, "--env")


def test_the_unit_restarts_forever_and_checks_the_accelerator_first() -> None:
    unit = parse_unit(_files(_parts(ASCEND))["/etc/systemd/system/inferfleet-autoglm.service"])
    assert unit.values("Service", "Restart") == ["always"]
    assert unit.values("Service", "RestartSec") == ["10"]
    assert unit.values("Unit", "StartLimitIntervalSec") == ["0"]
    assert unit.values("Unit", "Requires") == ["docker.service"]
    assert unit.values("Install", "WantedBy") == ["multi-user.target"]
    assert unit.values("Service", "EnvironmentFile") == ["/etc/inferfleet/autoglm.env"]
    pre = [split_command(line) for line in unit.values("Service", "ExecStartPre")]
    assert ("", ["/usr/bin/docker", "pull", IMAGE]) in pre
    assert ("", ["/bin/sh", "-c", "/usr/local/bin/npu-smi info >/dev/null"]) in pre
    assert ("-", ["/usr/bin/docker", "rm", "--force", "inferfleet-autoglm"]) in pre


def test_the_health_timer_restarts_the_unit_after_repeated_failures() -> None:
    files = _files(_parts(NVIDIA, startup_timeout_seconds=600))
    script = files["/usr/local/lib/inferfleet/health-autoglm.sh"]
    assert script_values(script, vm._HEALTH_HEADER, vm._HEALTH_BODY) == {
        "service": "autoglm",
        "unit": "inferfleet-autoglm.service",
        "url": "http://127.0.0.1:8000/health",
        "startup_timeout": "600",
        "failures_limit": "3",
    }
    assert 'curl --fail --silent --max-time 5 --output /dev/null "$url"' in script
    assert '-ge "$startup_timeout" ]' in script
    assert '-ge "$failures_limit" ]' in script
    assert 'systemctl restart "$unit"' in script
    timer = parse_unit(files["/etc/systemd/system/inferfleet-autoglm-health.timer"])
    assert timer.values("Timer", "OnUnitActiveSec") == ["30"]
    assert "RuntimeDirectory=inferfleet" in files["/etc/systemd/system/inferfleet-autoglm-health.service"]


def test_the_health_script_is_valid_shell(tmp_path: Path) -> None:
    script = tmp_path / "health.sh"
    script.write_text(_files(_parts(NVIDIA))["/usr/local/lib/inferfleet/health-autoglm.sh"])
    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_tagged_image_is_refused_before_any_part_is_rendered() -> None:
    with pytest.raises(ValueError, match="image: 'autoglm:latest' is not pinned by digest"):
        _parts(NVIDIA, image="autoglm:latest")


CLOUD_INIT_SCHEMA = Path("/usr/lib/python3/dist-packages/cloudinit/config/schemas/schema-cloud-config-v1.json")
"""The schema cloud-init itself validates user data with (Debian package cloud-init)."""


@pytest.mark.parametrize("accelerator", [NVIDIA, ASCEND], ids=["nvidia", "ascend"])
def test_the_parts_are_valid_against_the_real_cloud_init_schema(accelerator: AcceleratorArgs) -> None:
    schema = json.loads(CLOUD_INIT_SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema)
    assert [error.message for error in validator.iter_errors(_parts(accelerator))] == []
    assert list(validator.iter_errors({"write_files": [{"path": "/x", "mode": "0644"}]}))  # the schema does bite
