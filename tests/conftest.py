"""Fixtures shared by every test: the repository's paths and a writer of throw-away stack files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
STACKS = REPO / "stacks"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def stacks_dir() -> Path:
    return STACKS


def reference_config(name: str) -> dict[str, Any]:
    """The config map of a reference stack, as a fresh copy tests may change."""
    document = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())
    return copy.deepcopy(document["config"])


WriteStack = Callable[..., Path]


@pytest.fixture
def write_stack(tmp_path: Path) -> WriteStack:
    """Write `Pulumi.<name>.yaml` into a temporary stacks folder and return that folder.

    `config` is the whole config map (default: a copy of staging-cn-south); `text` the raw file.
    """

    def write(
        name: str, config: dict[str, Any] | None = None, *, like: str = "staging-cn-south", text: str | None = None
    ) -> Path:
        folder = tmp_path / "stacks"
        folder.mkdir(exist_ok=True)
        body = (
            text if text is not None else yaml.safe_dump({"config": config or reference_config(like)}, sort_keys=False)
        )
        (folder / f"Pulumi.{name}.yaml").write_text(body)
        return folder

    return write
