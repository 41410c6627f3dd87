"""Fixtures shared by every test: repository paths, a writer of throw-away stack files, a real OPA server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from stackfiles import REPO, STACKS, WriteStack, reference_config

from inferfleet.gate import OpaEngine


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def stacks_dir() -> Path:
    return STACKS


@pytest.fixture
def write_stack(tmp_path: Path) -> WriteStack:
    """Write `Pulumi.<name>.yaml` into a temporary stacks folder and return that folder.

    `config` is the whole config map (default: a copy of the reference stack `like`); `text` the raw file.
    """

    def write(
        name: str, config: dict[str, Any] | None = None, *, like: str = "staging-cn-south", text: str | None = None
    ) -> Path:
        folder = tmp_path / "stacks"
        folder.mkdir(exist_ok=True)
        if text is None:
            text = yaml.safe_dump({"config": config or reference_config(like)}, sort_keys=False)
        (folder / f"Pulumi.{name}.yaml").write_text(text)
        return folder

    return write


@pytest.fixture(scope="session")
def opa_engine() -> Iterator[OpaEngine]:
    """One real OPA server per test session (per xdist worker) with the repository's policies."""
    with OpaEngine.start() as engine:
        yield engine


@pytest.fixture(scope="session")
def opa_url(opa_engine: OpaEngine) -> str:
    return opa_engine.url


@pytest.fixture(scope="session")
def live_waiver_expiry() -> str:
    """An expiry a waiver may have today: a month ahead (the gate refuses more than 90 days)."""
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
