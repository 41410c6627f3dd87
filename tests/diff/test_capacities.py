"""The GPU capacity a plan's compute resources hold, read from untrusted plan inputs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from stackfiles import STACKS

from inferfleet.diff.kinds import capacities
from inferfleet.plan import Planner

NODE_POOL = "huaweicloud:Cce/nodePool:NodePool"


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    return copy.deepcopy(dict(Planner(STACKS).plan("prod-cn-south")))


def _with_node_count(plan: dict[str, Any], count: object) -> tuple[dict[str, Any], str]:
    edited = copy.deepcopy(plan)
    (pool,) = [r for r in edited["resources"] if r["type"] == NODE_POOL]
    pool["inputs"]["initialNodeCount"] = count
    return edited, pool["urn"]


@pytest.mark.parametrize(("count", "nodes"), [(3, 3), ("3", 3), ("0003", 3)])
def test_a_node_count_is_read_as_a_number_or_a_string_of_digits(
    plan: dict[str, Any], count: object, nodes: int
) -> None:
    edited, urn = _with_node_count(plan, count)
    assert capacities(edited)[urn].nodes == nodes


# Each was an internal error (exit 3) of `diff`: int() refuses "²" and more than 4,300 digits.
@pytest.mark.parametrize("count", ["²", "٣", "9" * 5000, "3.0", "-3", "", True])
def test_anything_else_is_not_a_node_count(plan: dict[str, Any], count: object) -> None:
    edited, urn = _with_node_count(plan, count)
    assert urn not in capacities(edited)
