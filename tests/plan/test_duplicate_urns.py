"""The plan refuses a program that registers one URN twice, as the Pulumi engine does."""

from __future__ import annotations

import pulumi
import pytest

from inferfleet.errors import EngineError, ExitCode
from inferfleet.plan import plan_program


def test_a_urn_registered_twice_is_refused() -> None:
    def program() -> None:
        pulumi.ComponentResource("inferfleet:test:Thing", "same")
        pulumi.ComponentResource("inferfleet:test:Thing", "same")

    with pytest.raises(EngineError) as caught:
        plan_program(program)
    assert caught.value.exit_code == ExitCode.ENGINE_ERROR
    assert "inferfleet:test:Thing::same twice" in str(caught.value)


def test_one_name_under_two_parents_is_two_urns() -> None:
    def program() -> None:
        first = pulumi.ComponentResource("inferfleet:test:Parent", "a")
        second = pulumi.ComponentResource("inferfleet:test:Other", "b")
        pulumi.ComponentResource("inferfleet:test:Thing", "same", opts=pulumi.ResourceOptions(parent=first))
        pulumi.ComponentResource("inferfleet:test:Thing", "same", opts=pulumi.ResourceOptions(parent=second))

    plan = plan_program(program)
    assert sum(1 for resource in plan["resources"] if resource["name"] == "same") == 2
