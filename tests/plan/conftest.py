"""Fixtures of the plan tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inferfleet.plan import runtime


@pytest.fixture
def stock_runtime() -> Iterator[None]:
    """Plans in the test run under Pulumi's stock mock runtime (no tuning)."""
    token = runtime.TUNING.set(runtime.STOCK)
    try:
        yield
    finally:
        runtime.TUNING.reset(token)
