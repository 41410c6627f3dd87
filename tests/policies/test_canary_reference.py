"""The grey release of the reference stack prod-cn-east (canary at 5%, stages 5,20,100) through the real gate:
every declared stage in turn is allowed, skipping one is denied."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from inferfleet.cli.app import main
from inferfleet.plan import Planner

STACKS = Path(__file__).resolve().parents[2] / "stacks"
WEIGHT = "inferfleet.io/canary-weight"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference_plan() -> dict[str, Any]:
    return copy.deepcopy(dict(Planner(STACKS).plan("prod-cn-east")))


def _moved(plan: dict[str, Any], old: int, new: int) -> dict[str, Any]:
    moved = copy.deepcopy(plan)
    canaries = 0
    for resource in moved["resources"]:
        annotations = resource["inputs"].get("metadata", {}).get("annotations", {})
        if WEIGHT in annotations:
            canaries += 1
            resource["old_inputs"] = copy.deepcopy(resource["inputs"])
            resource["old_inputs"]["metadata"]["annotations"][WEIGHT] = str(old)
            annotations[WEIGHT] = str(new)
    assert canaries == 3, "the reference canary is a Deployment, a Service and an Ingress"
    return moved


def _gate(
    plan: dict[str, Any], tmp_path: Path, opa_url: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, set[str]]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    capsys.readouterr()
    code = main(["gate", str(path), "--opa-url", opa_url, "--json"])
    return code, {v["policy_id"] for v in json.loads(capsys.readouterr().out)["violations"]}


def test_reference_canary_declares_its_stages(reference_plan: dict[str, Any]) -> None:
    annotations = [
        r["inputs"]["metadata"]["annotations"]
        for r in reference_plan["resources"]
        if WEIGHT in r["inputs"].get("metadata", {}).get("annotations", {})
    ]
    assert {(a[WEIGHT], a["inferfleet.io/canary-stages"]) for a in annotations} == {("5", "5,20,100")}


# (previous weight, new weight, expected exit code)
MOVES = [(5, 5, 0), (0, 5, 0), (5, 20, 0), (20, 100, 0), (100, 5, 0), (5, 100, 1), (0, 20, 1)]


@pytest.mark.parametrize("move", MOVES, ids=[f"{old}-to-{new}" for old, new, _ in MOVES])
def test_moves_of_the_reference_canary(
    reference_plan: dict[str, Any],
    move: tuple[int, int, int],
    tmp_path: Path,
    opa_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new, expected = move
    code, raised = _gate(_moved(reference_plan, old, new), tmp_path, opa_url, capsys)
    assert code == expected
    assert raised == ({"IF-CAN-001"} if expected else set())
