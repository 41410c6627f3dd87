"""The rendered scripts run for real: the node-pool hook under a scratch root, the runtime check with shims."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from inferfleet_gpu_instance import resolve_tuning
from inferfleet_gpu_instance.cloudinit import RUNTIME_CHECK_PATH, host_cloud_config, render_shell_script

HOST_COMMANDS = ("modprobe", "sysctl", "udevadm", "systemctl", "chown")


def shims(folder: Path, names: tuple[str, ...], log: Path, failing: str = "") -> dict[str, str]:
    """Stand-ins for host commands that record their arguments; `failing` exits 1."""
    folder.mkdir(exist_ok=True)
    for name in names:
        script = folder / name
        status = 1 if name == failing else 0
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\nexit {status}\n')
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{folder}:/usr/bin:/bin", "HOME": str(folder)}


def run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_node_pool_script_writes_the_cloud_config_files_and_is_idempotent(tmp_path: Path) -> None:
    config = host_cloud_config(resolve_tuning("high-bdp"), "nvidia")
    script = tmp_path / "hook.sh"
    script.write_text(render_shell_script(config))
    root, log = tmp_path / "root", tmp_path / "commands.log"
    env = shims(tmp_path / "bin", HOST_COMMANDS, log) | {"INFERFLEET_ROOT": str(root)}
    for _ in range(2):
        result = run(script, env)
        assert result.returncode == 0, result.stderr
        for entry in config["write_files"]:
            written = root / entry["path"].lstrip("/")
            assert written.read_text() == entry["content"]
            assert oct(written.stat().st_mode & 0o777) == "0o" + entry["permissions"].lstrip("0")
    commands = log.read_text().splitlines()
    chowns = [line for line in commands if line.startswith("chown")]
    assert chowns == [f"chown root:root {root}{entry['path']}" for entry in config["write_files"]] * 2
    ran = [line for line in commands if not line.startswith("chown")]
    expected = [" ".join(command) for command in config["runcmd"]]
    assert ran == expected * 2


def test_a_failing_command_does_not_stop_the_rest_but_fails_the_script(tmp_path: Path) -> None:
    config = host_cloud_config(resolve_tuning("default"), "ascend")
    script = tmp_path / "hook.sh"
    script.write_text(render_shell_script(config))
    log = tmp_path / "commands.log"
    env = shims(tmp_path / "bin", HOST_COMMANDS, log, failing="sysctl") | {"INFERFLEET_ROOT": str(tmp_path / "r")}
    result = run(script, env)
    assert result.returncode == 1
    assert "inferfleet: failed: sysctl --system" in result.stderr
    assert log.read_text().splitlines()[-1] == " ".join(config["runcmd"][-1])


def runtime_check(tmp_path: Path, family: str) -> Path:
    config = host_cloud_config(resolve_tuning("default"), family)
    (entry,) = [e for e in config["write_files"] if e["path"] == RUNTIME_CHECK_PATH]
    script = tmp_path / f"check-{family}"
    script.write_text(entry["content"])
    return script


def test_nvidia_runtime_check_passes_with_driver_toolkit_and_runtime(tmp_path: Path) -> None:
    log = tmp_path / "log"
    tools = ("containerd", "nvidia-smi", "nvidia-ctk", "nvidia-container-runtime")
    result = run(runtime_check(tmp_path, "nvidia"), shims(tmp_path / "bin", tools, log))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ok: container runtime",
        "ok: NVIDIA driver",
        "ok: nvidia-container-toolkit",
        "ok: nvidia container runtime",
    ]


def test_runtime_checks_name_what_is_missing(tmp_path: Path) -> None:
    log = tmp_path / "log"
    nvidia = run(runtime_check(tmp_path, "nvidia"), shims(tmp_path / "bin", ("containerd", "nvidia-ctk"), log))
    assert nvidia.returncode == 1
    assert nvidia.stderr.splitlines() == ["MISSING: NVIDIA driver", "MISSING: nvidia container runtime"]
    env = shims(tmp_path / "bin2", ("dockerd", "npu-smi"), log)
    ascend = run(runtime_check(tmp_path, "ascend"), env)
    assert ascend.returncode == 1
    assert ascend.stdout.splitlines() == ["ok: container runtime", "ok: Ascend driver (npu-smi)"]
    assert ascend.stderr.splitlines() == ["MISSING: Ascend docker runtime"]
