"""The VM target: the same container as a systemd unit, delivered as cloud-config parts.

The GPU pool merges these parts (`write_files`, `runcmd`) into its instances' cloud-init after
the host tuning. The server runs with the settings of :func:`server_environment` (also the
Kubernetes ConfigMap), the accelerator flags of its family, a restart policy, and a health
timer that restarts the unit when the health endpoint keeps failing after the start period.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from typing import Any

from inferfleet_inference_service.args import VmServiceArgs, validate_vm_service
from inferfleet_inference_service.container import (
    ASCEND_CONTROL_DEVICES,
    ASCEND_DRIVER_MOUNTS,
    FAMILIES,
    PROBE_PERIOD_SECONDS,
    READINESS_FAILURES,
    RUN_AS_USER,
    TMP_PATH,
    server_environment,
)

DOCKER = "/usr/bin/docker"
ENV_DIR = "/etc/inferfleet"
UNIT_DIR = "/etc/systemd/system"
HEALTH_SCRIPT_DIR = "/usr/local/lib/inferfleet"
HEALTH_FAILURES = READINESS_FAILURES
HEALTH_INTERVAL_SECONDS = 3 * PROBE_PERIOD_SECONDS


def unit_name(service: str) -> str:
    return f"inferfleet-{service}.service"


def _accelerator_flags(args: VmServiceArgs) -> list[str]:
    """NVIDIA: the container toolkit's `--gpus all`; Ascend: the NPU devices and the host driver, read-only."""
    accelerator = args.accelerator
    if accelerator.family == "nvidia":
        return ["--gpus", "all"]
    devices = [f"/dev/davinci{index}" for index in range(accelerator.per_node)] + list(ASCEND_CONTROL_DEVICES)
    flags = [flag for device in devices for flag in ("--device", device)]
    flags += [flag for path in ASCEND_DRIVER_MOUNTS for flag in ("--volume", f"{path}:{path}:ro")]
    flags += ["--env", f"ASCEND_VISIBLE_DEVICES={','.join(str(i) for i in range(accelerator.per_node))}"]
    return flags


def docker_run_command(args: VmServiceArgs) -> list[str]:
    """The container's command line, hardened like the Kubernetes pod (non-root, read-only root, no capabilities)."""
    name = f"inferfleet-{args.name}"
    port = args.server.port
    return [
        DOCKER, "run", "--rm", "--name", name,
        "--env-file", f"{ENV_DIR}/{args.name}.env",
        "--user", f"{RUN_AS_USER}:{RUN_AS_USER}",
        "--read-only",
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--tmpfs", f"{TMP_PATH}:rw,size=1g",
        "--shm-size", f"{args.shm_gib}g",
        "--volume", f"{args.cache_dir}/{args.name}/cache:{args.server.model_path}",
        "--publish", f"{port}:{port}",
        *_accelerator_flags(args),
        args.image,
    ]  # fmt: skip


def _unit(args: VmServiceArgs) -> str:
    name = f"inferfleet-{args.name}"
    run = shlex.join(docker_run_command(args))
    return "\n".join(
        [
            "[Unit]",
            f"Description=inferfleet model server {args.name} ({args.server.model_name})",
            "After=network-online.target docker.service",
            "Wants=network-online.target",
            "Requires=docker.service",
            # Never give up restarting: a GPU host exists to run this server.
            "StartLimitIntervalSec=0",
            "",
            "[Service]",
            "Type=simple",
            "Restart=always",
            "RestartSec=10",
            "TimeoutStartSec=0",
            f"ExecStartPre=/bin/sh -c {shlex.quote(FAMILIES[args.accelerator.family].smi + ' >/dev/null')}",
            f"ExecStartPre=/usr/bin/install -d -o {RUN_AS_USER} -g {RUN_AS_USER} {args.cache_dir}/{args.name}/cache",
            f"ExecStartPre=-{DOCKER} rm --force {name}",
            f"ExecStartPre={DOCKER} pull {args.image}",
            f"ExecStart={run}",
            f"ExecStop={DOCKER} stop --time 30 {name}",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )


def _health_script(args: VmServiceArgs) -> str:
    url = f"http://127.0.0.1:{args.server.port}{args.server.health_path}"
    return f"""#!/bin/sh
# Restarts {unit_name(args.name)} when {url} fails {HEALTH_FAILURES} checks in a row,
# once the server has had {args.startup_timeout_seconds}s to load its model.
set -u
unit={unit_name(args.name)}
failures_file=/run/inferfleet/{args.name}.failures
systemctl is-active --quiet "$unit" || exit 0
since=$(systemctl show --property=ActiveEnterTimestampMonotonic --value "$unit")
now=$(awk '{{printf "%d", $1 * 1000000}}' /proc/uptime)
[ $(( (now - since) / 1000000 )) -ge {args.startup_timeout_seconds} ] || exit 0
if curl --fail --silent --max-time 5 --output /dev/null {shlex.quote(url)}; then
  echo 0 > "$failures_file"
  exit 0
fi
failures=$(( $(cat "$failures_file" 2>/dev/null || echo 0) + 1 ))
echo "$failures" > "$failures_file"
if [ "$failures" -ge {HEALTH_FAILURES} ]; then
  echo 0 > "$failures_file"
  logger -t inferfleet "health check of $unit failed $failures times; restarting"
  systemctl restart "$unit"
fi
"""


def _health_units(args: VmServiceArgs) -> tuple[str, str]:
    service = "\n".join(
        [
            "[Unit]",
            f"Description=inferfleet health check of {args.name}",
            "",
            "[Service]",
            "Type=oneshot",
            "RuntimeDirectory=inferfleet",
            "RuntimeDirectoryPreserve=yes",
            f"ExecStart={HEALTH_SCRIPT_DIR}/health-{args.name}.sh",
            "",
        ]
    )
    timer = "\n".join(
        [
            "[Unit]",
            f"Description=Run the inferfleet health check of {args.name}",
            "",
            "[Timer]",
            f"OnBootSec={HEALTH_INTERVAL_SECONDS}",
            f"OnUnitActiveSec={HEALTH_INTERVAL_SECONDS}",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    return service, timer


def _env_file(args: VmServiceArgs) -> str:
    # The VM gives the container every accelerator of the node, so the server is told that count.
    accelerator = replace(args.accelerator, per_replica=args.accelerator.per_node)
    settings = server_environment(args.server, accelerator)
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def vm_service_parts(args: VmServiceArgs) -> dict[str, list[Any]]:
    """Cloud-config `write_files` and `runcmd` that install and start the server on a GPU VM."""
    validate_vm_service(args)
    health_service, health_timer = _health_units(args)
    health_unit = f"inferfleet-{args.name}-health"
    write_files = [
        {"path": f"{ENV_DIR}/{args.name}.env", "owner": "root:root", "permissions": "0644", "content": _env_file(args)},
        {
            "path": f"{UNIT_DIR}/{unit_name(args.name)}",
            "owner": "root:root",
            "permissions": "0644",
            "content": _unit(args),
        },
        {
            "path": f"{HEALTH_SCRIPT_DIR}/health-{args.name}.sh",
            "owner": "root:root",
            "permissions": "0755",
            "content": _health_script(args),
        },
        {
            "path": f"{UNIT_DIR}/{health_unit}.service",
            "owner": "root:root",
            "permissions": "0644",
            "content": health_service,
        },
        {
            "path": f"{UNIT_DIR}/{health_unit}.timer",
            "owner": "root:root",
            "permissions": "0644",
            "content": health_timer,
        },
    ]
    runcmd: list[Any] = [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", unit_name(args.name), f"{health_unit}.timer"],
    ]
    return {"write_files": write_files, "runcmd": runcmd}
