"""The boot-time host-tuning script, run by `sh` against a fake /sys (private mount namespace) and fake tools.

The script is the one cloud-init writes. /sys/class/net and /sys/block are replaced, in a mount
namespace of the test's own, by directories shaped like the kernel's; `sysctl` and `tc` are small
stand-ins on PATH that answer from files and log their calls. What is checked is what the host
would see: the qdisc commands for the NICs already up, and one MISMATCH line per value the kernel
does not hold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from inferfleet_gpu_instance import resolve_tuning
from inferfleet_gpu_instance.cloudinit import SYSCTL_PATH, host_cloud_config
from inferfleet_gpu_instance.tuning import HostTuning, sysctl_text
from inferfleet_gpu_instance.tuning_check import HOST_TUNING_PATH, HOST_TUNING_UNIT

FAKE_SYSCTL = """#!/bin/sh
# sysctl -n KEY: the value from $FAKE/sysctl/KEY (tab-separated vectors, as the kernel prints them)
[ "$1" = -n ] || exit 2
cat "$FAKE/sysctl/$2" 2>/dev/null || exit 255
"""
FAKE_TC = """#!/bin/sh
# tc qdisc show dev X -> $FAKE/qdisc/X; every other call is logged
if [ "$2" = show ]; then cat "$FAKE/qdisc/$4"; exit 0; fi
echo "$*" >>"$FAKE/tc.log"
"""


def _written(tuning: HostTuning, path: str) -> str:
    (entry,) = [f for f in host_cloud_config(tuning, "nvidia")["write_files"] if f["path"] == path]
    content: str = entry["content"]
    return content


def _fake_host(root: Path, tuning: HostTuning) -> dict[str, Path]:
    """Kernel state holding every tuned value; the test then breaks some."""
    net, block, fake, tools = root / "net", root / "block", root / "fake", root / "bin"
    for nic, queues in (("eth0", 2), ("eth1", 1)):
        (net / nic / "device").mkdir(parents=True)
        for queue in range(queues):
            (net / nic / "queues" / f"tx-{queue}").mkdir(parents=True)
    (net / "lo" / "queues" / "tx-0").mkdir(parents=True)  # no `device`: not a NIC
    for disk, device_class in (("nvme0n1", "nvme"), ("vda", "virtio")):
        settings = tuning.block[device_class]
        queue = block / disk / "queue"
        queue.mkdir(parents=True)
        others = " ".join(s for s in ("mq-deadline", "kyber", "none") if s != settings.scheduler)
        (queue / "scheduler").write_text(f"[{settings.scheduler}] {others}\n")
        (queue / "nr_requests").write_text(f"{settings.nr_requests}\n")
        (queue / "read_ahead_kb").write_text(f"{settings.read_ahead_kb}\n")
    (fake / "sysctl").mkdir(parents=True)
    for key, value in tuning.sysctl.items():
        (fake / "sysctl" / key).write_text(sysctl_text(value).replace(" ", "\t") + "\n")
    (fake / "qdisc").mkdir()
    (fake / "qdisc" / "eth0").write_text("qdisc mq 1: root\nqdisc fq 0: parent 1:1\nqdisc fq 0: parent 1:2\n")
    (fake / "qdisc" / "eth1").write_text("qdisc fq 8001: root refcnt 2 limit 10000p\n")
    tools.mkdir()
    for name, text in (("sysctl", FAKE_SYSCTL), ("tc", FAKE_TC)):
        (tools / name).write_text(text)
        (tools / name).chmod(0o755)
    conf = root / "60-inferfleet.conf"
    conf.write_text(_written(tuning, SYSCTL_PATH))
    script = root / "inferfleet-host-tuning"
    # The script as written to the host, with the sysctl.d path pointed at this test's copy.
    script.write_text(_written(tuning, HOST_TUNING_PATH).replace(f"sysctl_conf={SYSCTL_PATH}", f"sysctl_conf={conf}"))
    return {"net": net, "block": block, "fake": fake, "tools": tools, "script": script}


def _run(host: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    if shutil.which("unshare") is None:
        pytest.fail("`unshare` (util-linux) is needed to give the script a fake /sys")
    command = (
        f"mount --bind {host['net']} /sys/class/net && mount --bind {host['block']} /sys/block && "
        f"exec sh {host['script']}"
    )
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "FAKE": str(host["fake"]), "PATH": f"{host['tools']}:{os.environ['PATH']}"},
    )


def _mismatches(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if "MISMATCH" in line]


@pytest.fixture
def tuning() -> HostTuning:
    return resolve_tuning("high-bdp")


def test_a_host_holding_every_value_passes_and_nics_get_the_default_qdisc(tmp_path: Path, tuning: HostTuning) -> None:
    host = _fake_host(tmp_path, tuning)
    result = _run(host)
    assert _mismatches(result) == []
    assert result.returncode == 0, result.stderr
    assert (host["fake"] / "tc.log").read_text().splitlines() == [
        "qdisc replace dev eth0 root handle 1: mq",
        "qdisc replace dev eth0 parent 1:1 fq",
        "qdisc replace dev eth0 parent 1:2 fq",
        "qdisc replace dev eth1 root fq",
    ]


def test_each_value_the_kernel_did_not_take_is_reported(tmp_path: Path, tuning: HostTuning) -> None:
    host = _fake_host(tmp_path, tuning)
    queue = host["block"] / "nvme0n1" / "queue"
    (queue / "nr_requests").write_text("255\n")  # the udev write was refused
    (host["block"] / "vda" / "queue" / "scheduler").write_text("mq-deadline kyber [none]\n")
    (host["fake"] / "sysctl" / "net.ipv4.tcp_congestion_control").write_text("cubic\n")  # tcp_bbr not loaded
    (host["fake"] / "sysctl" / "net.ipv4.tcp_rmem").write_text("4096\t131072\t6291456\n")
    (host["fake"] / "qdisc" / "eth1").write_text("qdisc fq_codel 0: root refcnt 2\n")
    result = _run(host)
    assert result.returncode == 1
    assert sorted(_mismatches(result)) == sorted(
        [
            "inferfleet-tuning: MISMATCH /sys/block/nvme0n1/queue/nr_requests: intended 1023, kernel has 255",
            "inferfleet-tuning: MISMATCH /sys/block/vda/queue/scheduler: intended mq-deadline, kernel has none",
            "inferfleet-tuning: MISMATCH sysctl net.ipv4.tcp_congestion_control: intended bbr, kernel has cubic",
            "inferfleet-tuning: MISMATCH sysctl net.ipv4.tcp_rmem: intended 4096 1048576 268435456, "
            "kernel has 4096 131072 6291456",
            "inferfleet-tuning: MISMATCH qdisc of eth1: intended fq, kernel has fq_codel",
        ]
    )


def test_an_unreadable_sysctl_is_reported(tmp_path: Path, tuning: HostTuning) -> None:
    host = _fake_host(tmp_path, tuning)
    (host["fake"] / "sysctl" / "net.core.somaxconn").unlink()
    result = _run(host)
    assert _mismatches(result) == [
        "inferfleet-tuning: MISMATCH sysctl net.core.somaxconn: intended 8192, kernel has nothing"
    ]
    assert result.returncode == 1


def test_the_unit_runs_the_script_at_every_boot(tuning: HostTuning) -> None:
    config = host_cloud_config(tuning, "nvidia")
    unit = _written(tuning, f"/etc/systemd/system/{HOST_TUNING_UNIT}")
    assert f"ExecStart={HOST_TUNING_PATH}\n" in unit
    assert "WantedBy=multi-user.target" in unit
    start = ["systemctl", "enable", "--now", "--no-block", HOST_TUNING_UNIT]
    assert config["runcmd"].index(["sysctl", "--system"]) < config["runcmd"].index(start)
