"""Host tuning profiles as typed values: sysctls and block-device settings per device class.

A profile (`default`, `high-bdp`, `edge`) is a complete set of values; a stack overrides any of
them by key. :func:`resolve_tuning` merges and validates (known keys, types, ranges, and the
relations between values such as a buffer maximum not below its default). Block-queue values are
checked against what the kernel accepts for the scheduler and device class (:data:`BLOCK_DEVICES`):
a value the kernel refuses would leave the udev rule silently unapplied.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SysctlValue = int | str | tuple[int, ...]
"""An integer, a word (qdisc, congestion control) or a vector such as tcp_rmem's (min, default, max)."""

PROFILE_NAMES = ("default", "high-bdp", "edge")
DEVICE_CLASSES = ("nvme", "virtio")
SCHEDULERS = ("none", "mq-deadline", "kyber", "bfq")

BLKDEV_MIN_RQ = 4
"""Smallest nr_requests (block/blk-sysfs.c raises a smaller value to it: it would not apply as written)."""
MAX_SCHED_RQ = 2048
"""Largest nr_requests under an I/O scheduler (mq-deadline, kyber, bfq): the scheduler's tags grow up to
16 x BLKDEV_DEFAULT_RQ (block/blk-mq.c, blk_mq_tag_update_depth); above it the write fails with EINVAL."""
MAX_READ_AHEAD_KB = 65536
"""inferfleet's bound on read_ahead_kb (64 MiB). The kernel stores any value (it only converts it to pages);
larger windows only waste page cache on model files read once."""


@dataclass(frozen=True)
class BlockDevice:
    """A device class: how udev and sysfs name its whole disks, and the queue depth its driver gives."""

    kernel_glob: str
    """Kernel names of the class's whole disks (a udev KERNEL== match and a /sys/block glob alike)."""
    hardware_queue_depth: int
    """Tags of the device's hardware queues with the driver's defaults. Without a scheduler (`none`) the
    kernel only shrinks those tags: nr_requests above this depth fails with EINVAL."""


BLOCK_DEVICES: dict[str, BlockDevice] = {
    # drivers/nvme/host/pci.c: io_queue_depth defaults to 1024 (capped by the controller's CAP.MQES + 1),
    # and the tag set keeps one ring slot free: 1023 tags per hardware queue.
    "nvme": BlockDevice(kernel_glob="nvme[0-9]*n[0-9]*", hardware_queue_depth=1023),
    # drivers/block/virtio_blk.c: the depth is the virtqueue size (QEMU/KVM clouds give 128 or 256;
    # 128 is the smaller) unless the virtblk.queue_depth module parameter says otherwise.
    "virtio": BlockDevice(kernel_glob="vd[a-z]*", hardware_queue_depth=128),
}
"""The device classes a profile tunes; the boot-time check reports a value a particular device refused."""

_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class SysctlKey:
    """What a known sysctl accepts."""

    kind: Literal["int", "word", "vector"]
    minimum: int = 0
    maximum: int = _INT_MAX
    words: tuple[str, ...] = ()
    length: int = 0
    """Number of integers of a vector."""


SYSCTL_KEYS: dict[str, SysctlKey] = {
    "net.core.default_qdisc": SysctlKey("word", words=("fq", "fq_codel", "cake", "pfifo_fast")),
    "net.ipv4.tcp_congestion_control": SysctlKey("word", words=("bbr", "cubic", "reno")),
    "net.core.rmem_max": SysctlKey("int", minimum=212992),
    "net.core.wmem_max": SysctlKey("int", minimum=212992),
    "net.core.rmem_default": SysctlKey("int", minimum=4096),
    "net.core.wmem_default": SysctlKey("int", minimum=4096),
    "net.ipv4.tcp_rmem": SysctlKey("vector", minimum=4096, length=3),
    "net.ipv4.tcp_wmem": SysctlKey("vector", minimum=4096, length=3),
    "net.core.netdev_max_backlog": SysctlKey("int", minimum=1000, maximum=1_000_000),
    "net.core.somaxconn": SysctlKey("int", minimum=128, maximum=65535),
    "net.ipv4.tcp_max_syn_backlog": SysctlKey("int", minimum=128, maximum=1_000_000),
    "net.ipv4.tcp_mtu_probing": SysctlKey("int", minimum=0, maximum=2),
    "net.ipv4.tcp_slow_start_after_idle": SysctlKey("int", minimum=0, maximum=1),
    "net.ipv4.tcp_notsent_lowat": SysctlKey("int", minimum=16384),
    "net.ipv4.tcp_fastopen": SysctlKey("int", minimum=0, maximum=3),
    "net.ipv4.ip_local_port_range": SysctlKey("vector", minimum=1024, maximum=65535, length=2),
    "vm.swappiness": SysctlKey("int", minimum=0, maximum=100),
    "vm.max_map_count": SysctlKey("int", minimum=65530),
    "fs.inotify.max_user_watches": SysctlKey("int", minimum=8192),
}
"""Every sysctl a profile or a stack may set, with its accepted values."""

BLOCK_ATTRIBUTES = ("scheduler", "nr_requests", "read_ahead_kb")
"""The queue attributes set per device class (udev `ATTR{queue/<name>}`), in the order udev must apply them."""

_BLOCK_RANGES = {"nr_requests": (BLKDEV_MIN_RQ, MAX_SCHED_RQ), "read_ahead_kb": (0, MAX_READ_AHEAD_KB)}

_BUFFER_PAIRS = (("net.core.rmem_max", "net.core.rmem_default"), ("net.core.wmem_max", "net.core.wmem_default"))


@dataclass(frozen=True, kw_only=True)
class BlockSettings:
    """Queue settings of one device class."""

    scheduler: str
    nr_requests: int
    read_ahead_kb: int


@dataclass(frozen=True, kw_only=True)
class HostTuning:
    """A resolved profile: what ends up on the host."""

    profile: str
    sysctl: Mapping[str, SysctlValue]
    block: Mapping[str, BlockSettings]

    def digest(self) -> str:
        """A short sha256 of the values, recorded in the marker file so drift is visible."""
        canonical = json.dumps(
            {
                "sysctl": {key: list(v) if isinstance(v, tuple) else v for key, v in sorted(self.sysctl.items())},
                "block": {cls: vars(settings) for cls, settings in sorted(self.block.items())},
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        # Short enough for the README's defaults column and for error messages.
        return f"HostTuning(profile={self.profile!r}, sha256={self.digest()!r})"


_COMMON_SYSCTL: dict[str, SysctlValue] = {
    "net.core.default_qdisc": "fq",
    "net.ipv4.tcp_congestion_control": "bbr",
    "net.ipv4.tcp_mtu_probing": 1,
    "net.ipv4.tcp_slow_start_after_idle": 0,
    "net.ipv4.ip_local_port_range": (10240, 65000),
    "vm.swappiness": 10,
    "vm.max_map_count": 262144,
}

PROFILES: dict[str, HostTuning] = {
    "default": HostTuning(
        profile="default",
        sysctl={
            **_COMMON_SYSCTL,
            "net.core.rmem_max": 67108864,
            "net.core.wmem_max": 67108864,
            "net.core.rmem_default": 262144,
            "net.core.wmem_default": 262144,
            "net.ipv4.tcp_rmem": (4096, 131072, 67108864),
            "net.ipv4.tcp_wmem": (4096, 65536, 67108864),
            "net.core.netdev_max_backlog": 16384,
            "net.core.somaxconn": 4096,
            "net.ipv4.tcp_max_syn_backlog": 8192,
            "net.ipv4.tcp_notsent_lowat": 131072,
        },
        block={
            "nvme": BlockSettings(scheduler="none", nr_requests=1023, read_ahead_kb=512),
            "virtio": BlockSettings(scheduler="mq-deadline", nr_requests=256, read_ahead_kb=1024),
        },
    ),
    # Cross-region links (hundreds of Mbit/s at 30-60 ms RTT) need windows of tens of MiB per flow.
    "high-bdp": HostTuning(
        profile="high-bdp",
        sysctl={
            **_COMMON_SYSCTL,
            "net.core.rmem_max": 268435456,
            "net.core.wmem_max": 268435456,
            "net.core.rmem_default": 1048576,
            "net.core.wmem_default": 1048576,
            "net.ipv4.tcp_rmem": (4096, 1048576, 268435456),
            "net.ipv4.tcp_wmem": (4096, 1048576, 268435456),
            "net.core.netdev_max_backlog": 65536,
            "net.core.somaxconn": 8192,
            "net.ipv4.tcp_max_syn_backlog": 16384,
            "net.ipv4.tcp_notsent_lowat": 131072,
        },
        block={
            # Without a scheduler nr_requests cannot exceed the NVMe hardware queue depth (1023 tags).
            "nvme": BlockSettings(scheduler="none", nr_requests=1023, read_ahead_kb=2048),
            "virtio": BlockSettings(scheduler="mq-deadline", nr_requests=512, read_ahead_kb=4096),
        },
    ),
    # Small nodes: keep per-socket memory bounded.
    "edge": HostTuning(
        profile="edge",
        sysctl={
            **_COMMON_SYSCTL,
            "net.core.rmem_max": 16777216,
            "net.core.wmem_max": 16777216,
            "net.core.rmem_default": 212992,
            "net.core.wmem_default": 212992,
            "net.ipv4.tcp_rmem": (4096, 87380, 16777216),
            "net.ipv4.tcp_wmem": (4096, 65536, 16777216),
            "net.core.netdev_max_backlog": 4096,
            "net.core.somaxconn": 1024,
            "net.ipv4.tcp_max_syn_backlog": 2048,
            "net.ipv4.tcp_notsent_lowat": 65536,
        },
        block={
            "nvme": BlockSettings(scheduler="mq-deadline", nr_requests=256, read_ahead_kb=256),
            "virtio": BlockSettings(scheduler="mq-deadline", nr_requests=128, read_ahead_kb=256),
        },
    ),
}

Scalar = str | int | float | bool
Problem = tuple[tuple[str, ...], str]
"""(key path inside the tuning section, e.g. ("sysctl", "net.core.rmem_max"), expectation)."""


class TuningError(ValueError):
    """Tuning values that cannot be applied; `problems` locates each one inside the tuning section."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"tuning.{'.'.join(key)}: {message}" for key, message in problems))


def tuning_problems(
    profile: str,
    sysctl: Mapping[str, Scalar] | None = None,
    block: Mapping[str, Mapping[str, Scalar]] | None = None,
) -> list[Problem]:
    """Every problem of a profile plus overrides; empty when :func:`resolve_tuning` would succeed."""
    try:
        resolve_tuning(profile, sysctl, block)
    except TuningError as error:
        return error.problems
    return []


def resolve_tuning(
    profile: str,
    sysctl: Mapping[str, Scalar] | None = None,
    block: Mapping[str, Mapping[str, Scalar]] | None = None,
) -> HostTuning:
    """The profile's values with the overrides applied, validated; raises TuningError listing every problem."""
    if profile not in PROFILES:
        raise TuningError([(("profile",), f"unknown profile {profile!r} (known: {', '.join(PROFILE_NAMES)})")])
    base = PROFILES[profile]
    problems: list[Problem] = []
    values = dict(base.sysctl)
    for key, raw in (sysctl or {}).items():
        parsed = _parse_sysctl(key, raw)
        if parsed is None:
            problems.append((("sysctl", key), _sysctl_expectation(key, raw)))
        else:
            values[key] = parsed
    problems.extend(_relations(values))
    settings = dict(base.block)
    for device_class, overrides in (block or {}).items():
        if device_class not in DEVICE_CLASSES:
            problems.append((("block", device_class), f"unknown device class (known: {', '.join(DEVICE_CLASSES)})"))
            continue
        merged = vars(settings[device_class]) | {}
        for attribute, raw in overrides.items():
            problem = _block_problem(attribute, raw)
            if problem:
                problems.append((("block", device_class, attribute), problem))
            else:
                merged[attribute] = raw
        settings[device_class] = BlockSettings(**merged)
    for device_class, device_settings in settings.items():
        if not any(found[:2] == ("block", device_class) for found, _ in problems):
            problems.extend(
                (("block", device_class, attribute), message)
                for attribute, message in block_problems(device_class, device_settings)
            )
    if problems:
        raise TuningError(problems)
    return HostTuning(profile=profile, sysctl=values, block=settings)


def _parse_sysctl(key: str, raw: Scalar) -> SysctlValue | None:
    """The typed value, or None when `key` is unknown or `raw` is not acceptable for it."""
    spec = SYSCTL_KEYS.get(key)
    if spec is None:
        return None
    if spec.kind == "word":
        return raw if isinstance(raw, str) and raw in spec.words else None
    if spec.kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool) and spec.minimum <= raw <= spec.maximum:
            return raw
        return None
    parts = raw.split() if isinstance(raw, str) else []
    # ASCII digits only: str.isdigit() also accepts superscripts such as '²', which int() refuses.
    if len(parts) != spec.length or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    vector = tuple(int(part) for part in parts)
    in_range = all(spec.minimum <= number <= spec.maximum for number in vector)
    ascending = all(low <= high for low, high in itertools.pairwise(vector))
    return vector if in_range and ascending else None


def _sysctl_expectation(key: str, raw: Scalar) -> str:
    spec = SYSCTL_KEYS.get(key)
    if spec is None:
        close = difflib.get_close_matches(key, list(SYSCTL_KEYS), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(SYSCTL_KEYS))}"
        return f"not a known sysctl ({hint})"
    if spec.kind == "word":
        return f"{raw!r} is not one of {', '.join(spec.words)}"
    if spec.kind == "int":
        return f"{raw!r} is not an integer in [{spec.minimum}, {spec.maximum}]"
    names = "min default max" if spec.length == 3 else "low high"
    return (
        f"{raw!r} is not {spec.length} space-separated integers ({names}) in [{spec.minimum}, {spec.maximum}]"
        " in ascending order (a buffer max must not be below its default)"
    )


def _relations(values: Mapping[str, SysctlValue]) -> list[Problem]:
    problems: list[Problem] = []
    for maximum, default in _BUFFER_PAIRS:
        high, low = values[maximum], values[default]
        if isinstance(high, int) and isinstance(low, int) and high < low:
            problems.append(
                (("sysctl", maximum), f"{high} is below {default} ({low}); a buffer max must be >= its default")
            )
    return problems


def _block_problem(attribute: str, raw: Scalar) -> str | None:
    if attribute not in BLOCK_ATTRIBUTES:
        return f"not a known udev queue attribute (known: {', '.join(BLOCK_ATTRIBUTES)})"
    if attribute == "scheduler":
        return None if raw in SCHEDULERS else f"{raw!r} is not one of {', '.join(SCHEDULERS)}"
    low, high = _BLOCK_RANGES[attribute]
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        return f"{raw!r} is not an integer in [{low}, {high}]"
    return None


def nr_requests_limit(device_class: str, scheduler: str) -> int:
    """The largest nr_requests the kernel accepts on the class's devices under `scheduler`."""
    if scheduler == "none":
        return BLOCK_DEVICES[device_class].hardware_queue_depth
    return MAX_SCHED_RQ


def block_problems(device_class: str, settings: BlockSettings) -> list[tuple[str, str]]:
    """(attribute, why the kernel would refuse it) for each queue value of `settings` on the class's devices."""
    limit = nr_requests_limit(device_class, settings.scheduler)
    if settings.nr_requests > limit:
        why = (
            f"without a scheduler the kernel refuses more than the hardware queue depth ({limit} on {device_class})"
            if settings.scheduler == "none"
            else f"the kernel refuses more than {limit} under an I/O scheduler ({settings.scheduler})"
        )
        return [("nr_requests", f"{settings.nr_requests} is above {limit}: {why}")]
    return []


def sysctl_text(value: SysctlValue) -> str:
    """The value as sysctl.conf writes it (vectors tab-free, space-separated)."""
    return " ".join(str(part) for part in value) if isinstance(value, tuple) else str(value)
