"""The tuned plan runtime plans exactly what Pulumi's stock mock runtime plans, and guards its patches."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from stackfiles import STACKS, WriteStack, reference_config

from inferfleet.cli.app import main
from inferfleet.errors import EngineError
from inferfleet.plan import Planner, dumps, runtime
from inferfleet.spec import list_stacks


def _texts(stacks: Path) -> dict[str, str]:
    planner = Planner(stacks)
    return {name: dumps(planner.plan(name)) for name in list_stacks(stacks)}


def test_every_reference_stack_plans_byte_for_byte_as_under_the_stock_runtime() -> None:
    tuned = _texts(STACKS)
    token = runtime.TUNING.set(runtime.STOCK)
    try:
        stock = _texts(STACKS)
    finally:
        runtime.TUNING.reset(token)
    assert list(tuned) == list(stock)
    for name in stock:
        assert tuned[name] == stock[name], name


def test_a_large_pool_plans_byte_for_byte_as_under_the_stock_runtime(write_stack: WriteStack) -> None:
    # Many resources registered at once: our drain settles hundreds of pending outputs per batch.
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["pools"][0].update(count=40, min_count=40, max_count=40)
    stacks = write_stack("dev-large", config)
    tuned = dumps(Planner(stacks).plan("dev-large"))
    token = runtime.TUNING.set(runtime.STOCK)
    try:
        stock = dumps(Planner(stacks).plan("dev-large"))
    finally:
        runtime.TUNING.reset(token)
    assert tuned.count('"urn": "urn:pulumi:') > 40
    assert tuned == stock


def test_the_runtime_refuses_a_pulumi_version_its_patches_were_not_written_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(runtime, "PATCHED_PULUMI_VERSIONS", ("3.1.0", "3.2.0"))
    with pytest.raises(EngineError) as caught:
        Planner(STACKS).plan("staging-cn-south")
    assert "3.272.0" in caught.value.message  # the installed version
    assert "3.1.0, 3.2.0" in caught.value.message  # the versions the patches were written for
    assert main(["plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS)]) == 3
    assert "3.1.0, 3.2.0" in capsys.readouterr().err


def test_the_stock_runtime_patches_nothing_and_needs_no_version_check(
    monkeypatch: pytest.MonkeyPatch, stock_runtime: None
) -> None:
    monkeypatch.setattr(runtime, "PATCHED_PULUMI_VERSIONS", ("3.1.0",))
    assert Planner(STACKS).plan("staging-cn-south")["stack"] == "staging-cn-south"


def test_a_run_leaves_pulumi_and_the_collector_as_it_found_them() -> None:
    from pulumi.runtime import resource, rpc, stack

    stock = (stack.wait_for_rpcs, resource._get_stack_trace, rpc.transfer_properties)
    assert gc.isenabled()
    Planner(STACKS).plan("staging-cn-south")
    assert gc.isenabled()
    assert (stack.wait_for_rpcs, resource._get_stack_trace, rpc.transfer_properties) == stock


def test_a_failing_program_restores_the_collector() -> None:
    def program() -> None:
        raise RuntimeError("boom")

    from inferfleet.plan import plan_program

    with pytest.raises(EngineError, match="boom"):
        plan_program(program)
    assert gc.isenabled()
