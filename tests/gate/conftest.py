"""One real OPA server per test session (per xdist worker), with the repository's policies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inferfleet.gate import OpaEngine


@pytest.fixture(scope="session")
def opa_engine() -> Iterator[OpaEngine]:
    with OpaEngine.start() as engine:
        yield engine


@pytest.fixture(scope="session")
def opa_url(opa_engine: OpaEngine) -> str:
    return opa_engine.url
