"""Paths of the repository and helpers for throw-away stack files, importable from any test.

(Kept out of conftest.py: with several conftest.py files, `from conftest import` is ambiguous.)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
STACKS = REPO / "stacks"

WriteStack = Callable[..., Path]


def reference_config(name: str) -> dict[str, Any]:
    """The config map of a reference stack, as a fresh copy tests may change."""
    document = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())
    return copy.deepcopy(document["config"])
