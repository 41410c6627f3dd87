"""Render host tuning (plus any extra parts) to user-data: `#cloud-config`, a shell script, or MIME multipart.

One cloud-config document is the source of truth. VMs and scaling groups get it as `#cloud-config`
(cloud-init applies it); node-pool hooks that run a script (CCE postinstall, ACK user_data, TKE
user script) get the same files and commands rendered as a bash script; EKS launch templates get it
as a MIME multipart part, the form EKS merges with its own bootstrap.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import PurePosixPath
from typing import Any

from inferfleet_hostfiles import cloud_config, shell_word

from inferfleet_gpu_instance.tuning import BLOCK_ATTRIBUTES, BLOCK_DEVICES, HostTuning, sysctl_text
from inferfleet_gpu_instance.tuning_check import (
    HOST_TUNING_PATH,
    HOST_TUNING_UNIT,
    host_tuning_script,
    host_tuning_unit,
)

MARKER_PATH = "/etc/inferfleet/host-tuning"
"""Marker file recording the applied profile and the hash of its values (policies look for it)."""
SYSCTL_PATH = "/etc/sysctl.d/60-inferfleet.conf"
MODULES_LOAD_PATH = "/etc/modules-load.d/inferfleet-tcp-bbr.conf"
UDEV_RULES_PATH = "/etc/udev/rules.d/60-inferfleet-block.rules"
RUNTIME_CHECK_PATH = "/usr/local/sbin/inferfleet-runtime-check"
RUNTIME_CHECK_UNIT = "inferfleet-runtime-check.service"


_RUNTIME_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "nvidia": (
        ("NVIDIA driver", "nvidia-smi --query-gpu=name --format=csv,noheader"),
        ("nvidia-container-toolkit", "command -v nvidia-ctk"),
        ("nvidia container runtime", "command -v nvidia-container-runtime"),
    ),
    "ascend": (
        ("Ascend driver (npu-smi)", "npu-smi info"),
        ("Ascend docker runtime", "test -x /usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime"),
    ),
}
"""Accelerator runtime checks per family: (what, shell test)."""

_CONTAINER_RUNTIME_CHECK = ("container runtime", "command -v containerd || command -v dockerd")


def host_cloud_config(tuning: HostTuning, family: str) -> dict[str, Any]:
    """The cloud-config that applies `tuning` and checks the runtimes of `family`; idempotent on every boot."""
    sysctl_lines = [f"{key} = {sysctl_text(value)}" for key, value in sorted(tuning.sysctl.items())]
    udev_lines = []
    for device_class, settings in sorted(tuning.block.items()):
        assignments = ", ".join(f'ATTR{{queue/{name}}}="{getattr(settings, name)}"' for name in BLOCK_ATTRIBUTES)
        udev_lines.append(
            f'ACTION=="add|change", SUBSYSTEM=="block", ENV{{DEVTYPE}}=="disk", '
            f'KERNEL=="{BLOCK_DEVICES[device_class].kernel_glob}", {assignments}'
        )
    header = f"# Managed by inferfleet (profile {tuning.profile}); edits are overwritten on the next apply.\n"
    return {
        "write_files": [
            _file(SYSCTL_PATH, header + "\n".join(sysctl_lines) + "\n"),
            _file(MODULES_LOAD_PATH, header + "tcp_bbr\n"),
            _file(UDEV_RULES_PATH, header + "\n".join(udev_lines) + "\n"),
            _file(RUNTIME_CHECK_PATH, _runtime_check_script(family), permissions="0755"),
            _file(f"/etc/systemd/system/{RUNTIME_CHECK_UNIT}", _runtime_check_unit()),
            _file(MARKER_PATH, f"profile={tuning.profile}\nsha256={tuning.digest()}\n"),
            _file(HOST_TUNING_PATH, host_tuning_script(tuning, SYSCTL_PATH), permissions="0755"),
            _file(f"/etc/systemd/system/{HOST_TUNING_UNIT}", host_tuning_unit()),
        ],
        "runcmd": [
            ["modprobe", "tcp_bbr"],
            ["sysctl", "--system"],
            ["udevadm", "control", "--reload-rules"],
            ["udevadm", "trigger", "--subsystem-match=block", "--action=change"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", RUNTIME_CHECK_UNIT],
            # Queued, not awaited: drivers installed by a cluster add-on may come after this script.
            ["systemctl", "start", "--no-block", RUNTIME_CHECK_UNIT],
            # The default qdisc for the NICs already up, then the check of every tuned value; at every boot.
            ["systemctl", "enable", "--now", "--no-block", HOST_TUNING_UNIT],
        ],
    }


def _file(path: str, content: str, *, permissions: str = "0644") -> dict[str, str]:
    return {"path": path, "content": content, "owner": "root:root", "permissions": permissions}


def _runtime_check_script(family: str) -> str:
    checks = (_CONTAINER_RUNTIME_CHECK, *_RUNTIME_CHECKS[family])
    lines = [
        "#!/bin/sh",
        f"# Checks the container and {family} runtimes at every boot; the result is in the journal.",
        "missing=0",
    ]
    for what, test in checks:
        lines.append(
            f'if ( {test} ) >/dev/null 2>&1; then echo "ok: {what}"; else echo "MISSING: {what}" >&2; missing=1; fi'
        )
    lines.append("exit $missing")
    return "\n".join(lines) + "\n"


def _runtime_check_unit() -> str:
    return (
        "[Unit]\n"
        "Description=inferfleet container and accelerator runtime check\n"
        "After=containerd.service docker.service\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={RUNTIME_CHECK_PATH}\n"
        "RemainAfterExit=yes\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def merge_cloud_config(base: Mapping[str, Any], *extras: Mapping[str, Any]) -> dict[str, Any]:
    """`base` followed by each extra: lists (write_files, runcmd, ...) are concatenated in order.

    A non-list key present in both is refused: silently picking one would drop someone's setting.
    """
    merged: dict[str, Any] = {key: list(value) if isinstance(value, list) else value for key, value in base.items()}
    for extra in extras:
        for key, value in extra.items():
            if key not in merged:
                merged[key] = list(value) if isinstance(value, list) else value
            elif isinstance(merged[key], list) and isinstance(value, list):
                merged[key].extend(value)
            else:
                raise ValueError(f"extra_cloud_config.{key}: already set by the host tuning and not a list to extend")
    return merged


def render_cloud_config(config: Mapping[str, Any]) -> str:
    """`#cloud-config` YAML through the emitter (inferfleet-hostfiles), keys in a stable order."""
    return cloud_config(config)


def render_shell_script(config: Mapping[str, Any]) -> str:
    """The write_files and runcmd of `config` as an idempotent bash script (for script-only hooks)."""
    unsupported = sorted(set(config) - {"write_files", "runcmd"})
    if unsupported:
        raise ValueError(f"cloud-config keys {', '.join(unsupported)} cannot run from a node-pool script hook")
    lines = [
        "#!/bin/bash",
        "# Rendered by inferfleet from the pool's cloud-config. Files first (any failure stops the script),",
        "# then every command, like cloud-init's runcmd; the exit status says whether one failed.",
        "# INFERFLEET_ROOT writes the files under another root (image builds, tests).",
        "set -euo pipefail",
        'root="${INFERFLEET_ROOT:-}"',
    ]
    for entry in config.get("write_files", []):
        path = PurePosixPath(entry["path"])
        target = f'"$root"{shell_word(str(path))}'
        content = str(entry.get("content", ""))
        lines.append(f'install -d -m 0755 "$root"{shell_word(str(path.parent))}')
        if _HEREDOC_END in content.splitlines() or not content.endswith("\n") or "\0" in content:
            encoded = base64.b64encode(content.encode()).decode()
            lines.append(f"echo {encoded} | base64 -d > {target}")
        else:
            # A quoted here-document is copied byte for byte and stays readable in review.
            lines.append(f"cat > {target} <<'{_HEREDOC_END}'\n{content}{_HEREDOC_END}")
        lines.append(f"chmod {shell_word(str(entry.get('permissions', '0644')))} {target}")
        if "owner" in entry:
            lines.append(f"chown {shell_word(entry['owner'])} {target}")
    lines += ["set +e", "failed=0"]
    for command in config.get("runcmd", []):
        # A list is argv (each word quoted); a string is a shell command by cloud-init's own rule.
        text = command if isinstance(command, str) else " ".join(shell_word(str(part)) for part in command)
        lines.append(f"if ! {text}; then echo {shell_word(f'inferfleet: failed: {text}')} >&2; failed=1; fi")
    lines.append('exit "$failed"')
    return "\n".join(lines) + "\n"


_HEREDOC_END = "INFERFLEET_EOF"


def render_mime_multipart(cloud_config: str) -> str:
    """A MIME multipart user-data with one text/cloud-config part (the form EKS launch templates take)."""
    message = MIMEMultipart(boundary="==INFERFLEET==")
    message.attach(MIMEText(cloud_config, "cloud-config"))
    return message.as_string()


def encode_base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
