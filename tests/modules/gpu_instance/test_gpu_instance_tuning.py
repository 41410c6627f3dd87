"""Tuning profiles: typed values, overrides, and one case per way to be wrong."""

from __future__ import annotations

from typing import Any

import pytest
from inferfleet_gpu_instance import PROFILES, TuningError, resolve_tuning, tuning_problems
from inferfleet_gpu_instance.tuning import (
    BLKDEV_MIN_RQ,
    BLOCK_DEVICES,
    MAX_SCHED_RQ,
    block_problems,
    nr_requests_limit,
)


def test_profiles_carry_bbr_fq_and_ordered_buffers() -> None:
    for name, profile in PROFILES.items():
        assert profile.profile == name
        assert profile.sysctl["net.core.default_qdisc"] == "fq"
        assert profile.sysctl["net.ipv4.tcp_congestion_control"] == "bbr"
        vector = profile.sysctl["net.ipv4.tcp_rmem"]
        assert isinstance(vector, tuple)
        low, default, high = vector
        assert low <= default <= high
        assert set(profile.block) == {"nvme", "virtio"}
        assert profile.block["virtio"].scheduler == "mq-deadline"
    buffers = {name: profile.sysctl["net.core.rmem_max"] for name, profile in PROFILES.items()}
    assert buffers == {"edge": 16777216, "default": 67108864, "high-bdp": 268435456}


def test_overrides_replace_single_values_and_change_the_hash() -> None:
    tuned = resolve_tuning(
        "default",
        {"net.core.rmem_max": 134217728, "net.ipv4.tcp_rmem": "4096 87380 134217728"},
        {"nvme": {"read_ahead_kb": 4096}},
    )
    assert tuned.sysctl["net.core.rmem_max"] == 134217728
    assert tuned.sysctl["net.ipv4.tcp_rmem"] == (4096, 87380, 134217728)
    assert tuned.block["nvme"].read_ahead_kb == 4096
    assert tuned.block["nvme"].scheduler == "none"
    assert tuned.sysctl["net.core.wmem_max"] == PROFILES["default"].sysctl["net.core.wmem_max"]
    assert tuned.digest() != PROFILES["default"].digest()
    assert resolve_tuning("default").digest() == PROFILES["default"].digest()


@pytest.mark.parametrize(
    ("sysctl", "block", "key", "message"),
    [
        ({"net.core.rmem_maks": 1}, {}, ("sysctl", "net.core.rmem_maks"), "did you mean 'net.core.rmem_max'"),
        ({"net.core.somaxconn": 10**6}, {}, ("sysctl", "net.core.somaxconn"), "not an integer in [128, 65535]"),
        ({"net.core.somaxconn": "many"}, {}, ("sysctl", "net.core.somaxconn"), "not an integer"),
        ({"net.ipv4.tcp_congestion_control": "vegas"}, {}, ("sysctl", "net.ipv4.tcp_congestion_control"), "not one of"),
        ({"net.ipv4.tcp_rmem": "4096 87380 1024"}, {}, ("sysctl", "net.ipv4.tcp_rmem"), "buffer max must not be below"),
        ({"net.ipv4.tcp_wmem": "4096 87380"}, {}, ("sysctl", "net.ipv4.tcp_wmem"), "3 space-separated integers"),
        ({"net.core.rmem_max": 262144, "net.core.rmem_default": 1048576}, {}, ("sysctl", "net.core.rmem_max"), "below"),
        ({}, {"sata": {"scheduler": "none"}}, ("block", "sata"), "unknown device class"),
        ({}, {"nvme": {"rotational": 0}}, ("block", "nvme", "rotational"), "not a known udev queue attribute"),
        ({}, {"virtio": {"scheduler": "cfq"}}, ("block", "virtio", "scheduler"), "not one of none, mq-deadline"),
        ({}, {"nvme": {"nr_requests": 1}}, ("block", "nvme", "nr_requests"), "not an integer in [4, 2048]"),
        ({}, {"nvme": {"nr_requests": 2047}}, ("block", "nvme", "nr_requests"), "above 1023: without a scheduler"),
        (
            {},
            {"virtio": {"scheduler": "none"}},
            ("block", "virtio", "nr_requests"),
            "256 is above 128: without a scheduler the kernel refuses more than the hardware queue depth",
        ),
        (
            {},
            {"nvme": {"scheduler": "kyber", "nr_requests": 4096}},
            ("block", "nvme", "nr_requests"),
            "not an integer in [4, 2048]",
        ),
    ],
)
def test_bad_overrides_are_located(
    sysctl: dict[str, Any], block: dict[str, dict[str, Any]], key: tuple[str, ...], message: str
) -> None:
    problems = tuning_problems("default", sysctl, block)
    assert [found for found, _ in problems] == [key]
    assert message in problems[0][1]
    with pytest.raises(TuningError):
        resolve_tuning("default", sysctl, block)


def test_unknown_profile() -> None:
    assert tuning_problems("turbo") == [(("profile",), "unknown profile 'turbo' (known: default, high-bdp, edge)")]


def test_every_profile_holds_only_values_the_kernel_accepts() -> None:
    for name, profile in PROFILES.items():
        for device_class, settings in profile.block.items():
            assert block_problems(device_class, settings) == [], (name, device_class)
            assert settings.nr_requests <= nr_requests_limit(device_class, settings.scheduler)
            assert settings.nr_requests >= BLKDEV_MIN_RQ


def test_high_bdp_nvme_queue_fits_the_hardware_depth_without_a_scheduler() -> None:
    """The regression: 2047 requests with scheduler none is above NVMe's 1023 tags, so the udev write failed."""
    nvme = PROFILES["high-bdp"].block["nvme"]
    assert (nvme.scheduler, nvme.nr_requests) == ("none", 1023)


def test_a_scheduler_lifts_the_limit_to_the_scheduler_tags() -> None:
    tuned = resolve_tuning("high-bdp", {}, {"nvme": {"scheduler": "mq-deadline", "nr_requests": 2048}})
    assert tuned.block["nvme"].nr_requests == MAX_SCHED_RQ
    assert nr_requests_limit("nvme", "none") == BLOCK_DEVICES["nvme"].hardware_queue_depth == 1023
    assert nr_requests_limit("virtio", "bfq") == 2048
