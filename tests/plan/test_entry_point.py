"""`__main__.py` (what `pulumi up` runs) and `inferfleet plan` run one and the same program."""

from __future__ import annotations

import runpy

import pulumi
import pytest
from stackfiles import REPO, STACKS, reference_config

from inferfleet import PROJECT
from inferfleet.plan import Planner, dumps
from inferfleet.plan.document import build_document
from inferfleet.plan.runtime import run_program
from inferfleet.spec import list_stacks, load_stack

ENTRY_POINT = str(REPO / "__main__.py")


def run_entry_point() -> None:
    runpy.run_path(ENTRY_POINT, run_name="__main__")


@pytest.mark.parametrize("name", list_stacks(STACKS))
def test_the_entry_point_registers_exactly_what_the_plan_shows(name: str) -> None:
    planner = Planner(STACKS)
    planned = planner.plan(name)
    stack = load_stack(STACKS, name)
    capture = run_program(
        run_entry_point,
        project=PROJECT,
        stack=name,
        config=stack.config,
        resolve_stack_outputs=lambda sibling: planner.plan(sibling)["outputs"],
    )
    fleet = stack.fleet
    document = build_document(
        capture,
        project=PROJECT,
        stack=name,
        stack_version=fleet.version,
        env=fleet.env,
        cloud=fleet.cloud,
        region=fleet.region,
    )
    assert dumps(document) == dumps(planned)


def test_a_spec_error_under_the_engine_is_a_run_error_without_traceback() -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["pools"][0]["count"] = -1
    raised: list[BaseException] = []

    def program() -> None:
        try:
            run_entry_point()
        except pulumi.RunError as error:
            raised.append(error)

    run_program(program, project=PROJECT, stack="dev-x", config=config, resolve_stack_outputs=dict)
    assert len(raised) == 1
    assert str(raised[0]).startswith("stacks/Pulumi.dev-x.yaml: fleet.pools[0].count:")
    assert raised[0].__cause__ is None
