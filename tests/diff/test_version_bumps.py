"""Declared bumps and the next version, pre-releases included (the gate's IF-VER-002 reads the same way)."""

from __future__ import annotations

import pytest

from inferfleet.diff import declared_bump
from inferfleet.diff.compare import bump_rank
from inferfleet.release.stack import next_version


@pytest.mark.parametrize(
    ("base", "head", "declared"),
    [
        ("1.0.0", "1.0.1", "patch"),
        ("1.0.0", "1.1.0", "minor"),
        ("1.9.9", "2.0.0", "major"),
        ("1.0.0", "1.0.0", "none"),
        ("1.0.1", "1.0.0", "lower"),
        # A pre-release stands for the bump to its release, as npm's premajor/preminor/prepatch make them.
        ("1.0.0-rc.1", "1.0.0", "major"),
        ("1.0.0-rc.1", "1.0.0-rc.2", "major"),
        ("1.2.0-rc.1", "1.2.0", "minor"),
        ("1.2.3-rc.1", "1.2.3", "patch"),
        ("1.2.3-rc.1", "2.0.0", "major"),
        ("1.0.0-rc.2", "1.0.0-rc.1", "lower"),
        (None, "0.1.0", "major"),
        ("1.0.0", "v1.0.1", "invalid"),
    ],
)
def test_declared_bump(base: str | None, head: str, declared: str) -> None:
    assert declared_bump(base, head) == declared


@pytest.mark.parametrize(
    ("base", "bump", "version"),
    [
        ("1.4.2", "patch", "1.4.3"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "major", "2.0.0"),
        ("1.4.2", "none", "1.4.2"),
        ("1.0.0-rc.1", "patch", "1.0.0"),  # was 1.0.1: 1.0.0 was never reachable from its own rc
        ("1.0.0-rc.1", "major", "1.0.0"),  # was 2.0.0
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("1.2.3-rc.1", "minor", "1.3.0"),
        ("1.2.3-rc.1", "major", "2.0.0"),
    ],
)
def test_next_version(base: str, bump: str, version: str) -> None:
    assert next_version(base, bump) == version  # type: ignore[arg-type]
    assert bump_rank(declared_bump(base, version)) >= bump_rank(bump)  # the gate takes what stack bump writes
