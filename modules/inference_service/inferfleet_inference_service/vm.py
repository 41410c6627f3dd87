"""The VM target: the same container as a systemd unit, delivered as cloud-config parts.

The GPU pool merges these parts (`write_files`, `runcmd`) into its instances' cloud-init after
the host tuning. The server runs with the settings of :func:`server_environment` (also the
Kubernetes ConfigMap), its secrets from a root-only env file (on Kubernetes: a Secret), the
accelerator flags of its family, a restart policy, and a health timer that restarts the unit
when the health endpoint keeps failing after the start period. Every file is written by the
writer of its format (inferfleet-hostfiles), so no value becomes a line, a key or a command.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi
from inferfleet_hostfiles import Command, environment_file, shell_script, unit_file

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
    """The container's command line, hardened like the Kubernetes pod (non-root, read-only root, no capabilities).

    The settings and secrets reach the container by name only (`--env NAME`): docker copies each
    value from its own environment, which systemd loads from the env files (EnvironmentFile=).
    """
    name = f"inferfleet-{args.name}"
    port = args.server.port
    names = [*_settings(args), *sorted(args.server.secrets)]
    return [
        DOCKER, "run", "--rm", "--name", name,
        *(flag for variable in names for flag in ("--env", variable)),
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


def env_path(service: str) -> str:
    return f"{ENV_DIR}/{service}.env"


def secrets_path(service: str) -> str:
    """The root-only (0600) env file of the service's secrets."""
    return f"{ENV_DIR}/{service}.secrets.env"


def _unit(args: VmServiceArgs) -> str:
    name = f"inferfleet-{args.name}"
    cache = f"{args.cache_dir}/{args.name}/cache"
    env_files = [env_path(args.name), *([secrets_path(args.name)] if args.server.secrets else [])]
    return unit_file(
        {
            "Unit": [
                # The service name only (a DNS label): a Description is read as is, with no escapes.
                ("Description", f"inferfleet model server {args.name}"),
                ("After", "network-online.target docker.service"),
                ("Wants", "network-online.target"),
                ("Requires", "docker.service"),
                # Never give up restarting: a GPU host exists to run this server.
                ("StartLimitIntervalSec", 0),
            ],
            "Service": [
                ("Type", "simple"),
                ("Restart", "always"),
                ("RestartSec", 10),
                ("TimeoutStartSec", 0),
                *(("EnvironmentFile", path) for path in env_files),
                ("ExecStartPre", Command(("/bin/sh", "-c", FAMILIES[args.accelerator.family].smi + " >/dev/null"))),
                (
                    "ExecStartPre",
                    Command(("/usr/bin/install", "-d", "-o", str(RUN_AS_USER), "-g", str(RUN_AS_USER), cache)),
                ),
                ("ExecStartPre", Command((DOCKER, "rm", "--force", name), prefix="-")),
                ("ExecStartPre", Command((DOCKER, "pull", args.image))),
                ("ExecStart", Command(tuple(docker_run_command(args)))),
                ("ExecStop", Command((DOCKER, "stop", "--time", "30", name))),
            ],
            "Install": [("WantedBy", "multi-user.target")],
        }
    )


_HEALTH_HEADER = """#!/bin/sh
# Restarts the model server's unit when its health endpoint fails `failures_limit` checks in a
# row, once the server has had `startup_timeout` seconds to load its model.
set -u
"""
_HEALTH_BODY = """failures_file="/run/inferfleet/$service.failures"
systemctl is-active --quiet "$unit" || exit 0
since=$(systemctl show --property=ActiveEnterTimestampMonotonic --value "$unit")
now=$(awk '{printf "%d", $1 * 1000000}' /proc/uptime)
[ $(( (now - since) / 1000000 )) -ge "$startup_timeout" ] || exit 0
if curl --fail --silent --max-time 5 --output /dev/null "$url"; then
  echo 0 > "$failures_file"
  exit 0
fi
failures=$(( $(cat "$failures_file" 2>/dev/null || echo 0) + 1 ))
echo "$failures" > "$failures_file"
if [ "$failures" -ge "$failures_limit" ]; then
  echo 0 > "$failures_file"
  logger -t inferfleet "health check of $unit failed $failures times; restarting"
  systemctl restart "$unit"
fi
"""


def _health_script(args: VmServiceArgs) -> str:
    """A fixed script: the service's values only as quoted assignments at the top."""
    return shell_script(
        _HEALTH_HEADER,
        {
            "service": args.name,
            "unit": unit_name(args.name),
            "url": f"http://127.0.0.1:{args.server.port}{args.server.health_path}",
            "startup_timeout": args.startup_timeout_seconds,
            "failures_limit": HEALTH_FAILURES,
        },
        _HEALTH_BODY,
    )


def _health_units(args: VmServiceArgs) -> tuple[str, str]:
    service = unit_file(
        {
            "Unit": [("Description", f"inferfleet health check of {args.name}")],
            "Service": [
                ("Type", "oneshot"),
                ("RuntimeDirectory", "inferfleet"),
                ("RuntimeDirectoryPreserve", "yes"),
                ("ExecStart", Command((f"{HEALTH_SCRIPT_DIR}/health-{args.name}.sh",))),
            ],
        }
    )
    timer = unit_file(
        {
            "Unit": [("Description", f"Run the inferfleet health check of {args.name}")],
            "Timer": [("OnBootSec", HEALTH_INTERVAL_SECONDS), ("OnUnitActiveSec", HEALTH_INTERVAL_SECONDS)],
            "Install": [("WantedBy", "timers.target")],
        }
    )
    return service, timer


def _settings(args: VmServiceArgs) -> dict[str, str]:
    # The VM gives the container every accelerator of the node, so the server is told that count.
    accelerator = replace(args.accelerator, per_replica=args.accelerator.per_node)
    return server_environment(args.server, accelerator)


def _secrets_file(args: VmServiceArgs) -> pulumi.Input[str]:
    """The secrets' env file: a Pulumi secret when the values are (a program); plain text when they are plain
    strings (the spec's sizing placeholders), which needs no Pulumi runtime."""
    secrets = args.server.secrets
    names = sorted(secrets)
    if all(isinstance(secrets[name], str) for name in names):
        return environment_file({name: str(secrets[name]) for name in names})
    values = pulumi.Output.all(*(secrets[name] for name in names))
    return pulumi.Output.secret(
        values.apply(lambda resolved: environment_file(dict(zip(names, resolved, strict=True))))
    )


def vm_service_parts(args: VmServiceArgs) -> dict[str, list[Any]]:
    """Cloud-config `write_files` and `runcmd` that install and start the server on a GPU VM."""
    validate_vm_service(args)
    health_service, health_timer = _health_units(args)
    health_unit = f"inferfleet-{args.name}-health"
    write_files: list[dict[str, Any]] = [
        {
            "path": env_path(args.name),
            "owner": "root:root",
            "permissions": "0644",
            "content": environment_file(_settings(args)),
        },
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
    if args.server.secrets:
        write_files.insert(
            1,
            {
                "path": secrets_path(args.name),
                "owner": "root:root",
                "permissions": "0600",
                "content": _secrets_file(args),
            },
        )
    runcmd: list[Any] = [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", unit_name(args.name), f"{health_unit}.timer"],
    ]
    return {"write_files": write_files, "runcmd": runcmd}
