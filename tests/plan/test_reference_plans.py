"""Every reference stack plans cleanly, deterministically, and within the documented format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from stackfiles import STACKS, WriteStack, reference_config

from inferfleet.errors import SpecError
from inferfleet.plan import Planner, dumps
from inferfleet.spec import list_stacks

SCHEMA = json.loads((STACKS.parent / "docs" / "plan.schema.json").read_text())


@pytest.fixture(scope="module")
def plans() -> dict[str, dict[str, Any]]:
    planner = Planner(STACKS)
    return {name: planner.plan(name) for name in list_stacks(STACKS)}


@pytest.mark.parametrize("name", list_stacks(STACKS))
def test_reference_stack_plans_to_a_valid_document(plans: dict[str, dict[str, Any]], name: str) -> None:
    document = plans[name]
    jsonschema.validate(document, SCHEMA)
    assert document["stack"] == name
    assert len(document["resources"]) > 2


def test_plans_are_byte_identical_across_runs(plans: dict[str, dict[str, Any]]) -> None:
    again = Planner(STACKS)
    for name, document in plans.items():
        assert dumps(again.plan(name)) == dumps(document), name


def test_a_linked_stack_reads_its_peer_from_the_peer_plan(plans: dict[str, dict[str, Any]]) -> None:
    for name, document in plans.items():
        for reference in (r for r in document["resources"] if r["type"] == "pulumi:pulumi:StackReference"):
            peer = reference["inputs"]["name"].rsplit("/", 1)[-1]
            assert reference["outputs"]["outputs"] == plans[peer]["outputs"], f"{name} -> {peer}"


def test_a_link_to_a_missing_stack_is_a_spec_error(write_stack: WriteStack) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["links"] = [{"stack": "prod-nowhere", "bandwidth_mbps": 100}]
    stacks = write_stack("dev-x", config)
    with pytest.raises(SpecError) as caught:
        Planner(stacks).plan("dev-x")
    assert caught.value.key_path == "fleet.links[0].stack"
    assert "no stack 'prod-nowhere'" in caught.value.expectation


def test_links_that_form_a_cycle_are_refused(write_stack: WriteStack) -> None:
    first = reference_config("staging-cn-south")
    second = reference_config("staging-cn-south")
    second["inference-fleet:fleet"]["network"]["cidr"] = "10.121.0.0/16"
    first["inference-fleet:fleet"]["links"] = [{"stack": "dev-b", "bandwidth_mbps": 100}]
    second["inference-fleet:fleet"]["links"] = [{"stack": "dev-a", "bandwidth_mbps": 100}]
    write_stack("dev-a", first)
    stacks: Path = write_stack("dev-b", second)
    with pytest.raises(SpecError, match=r"links form a cycle \(dev-a -> dev-b -> dev-a\)"):
        Planner(stacks).plan("dev-a")
