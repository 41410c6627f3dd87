"""Output properties built on first read plan exactly what Pulumi's eager Outputs plan, read at any time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_huaweicloud as huaweicloud
import pytest

from inferfleet.errors import EngineError
from inferfleet.plan import dumps, plan_program, runtime
from inferfleet.plan.lazy_outputs import LazyOutputs


def _both(program: Callable[[], None]) -> tuple[str, str]:
    """The plan of `program` under the tuned runtime and under Pulumi's stock runtime."""
    tuned = dumps(plan_program(program))
    token = runtime.TUNING.set(runtime.STOCK)
    try:
        stock = dumps(plan_program(program))
    finally:
        runtime.TUNING.reset(token)
    return tuned, stock


def test_properties_read_before_and_after_the_registration_answers_plan_as_in_pulumi() -> None:
    kept: list[huaweicloud.vpc.Vpc] = []

    def program() -> None:
        vpc = huaweicloud.vpc.Vpc("net", name="net", cidr="10.0.0.0/16", description=pulumi.Output.secret("hush"))
        kept.append(vpc)
        # Read at once: the Output exists before the registration has answered.
        huaweicloud.vpc.Subnet("early", vpc_id=vpc.id, cidr=vpc.cidr, gateway_ip="10.0.0.1", name=vpc.name)
        # Read once the registration has answered (the URN resolves with it): the Output is built settled.
        late = vpc.urn.apply(lambda _: vpc.region.apply(lambda region: f"in {region}"))
        secret = vpc.urn.apply(lambda _: vpc.description)
        huaweicloud.vpc.Subnet("late", vpc_id=vpc.id, cidr="10.0.1.0/24", gateway_ip="10.0.1.1", name=late)
        huaweicloud.vpc.Subnet("secret", vpc_id=vpc.id, cidr="10.0.2.0/24", gateway_ip="10.0.2.1", description=secret)

    tuned, stock = _both(program)
    assert tuned == stock
    assert '"cidr": "10.0.0.0/16"' in tuned.split('"name": "early"')[0].rsplit('"inputs"', 1)[-1]
    assert "hush" not in tuned  # the secret read late is still a secret
    # Only what the program read became an Output; the rest stayed a settlement.
    built = set(dict.keys(kept[0].__dict__))
    assert {"cidr", "name", "region", "description"} <= built
    assert not built & {"tags", "secondary_cidrs", "enterprise_project_id", "status"}


def test_a_resource_exported_whole_shows_every_property_as_in_pulumi() -> None:
    def program() -> None:
        vpc = huaweicloud.vpc.Vpc("net", name="net", cidr="10.0.0.0/16", tags={"team": "infra"})
        pulumi.export("vpc", vpc)

    tuned, stock = _both(program)
    assert tuned == stock
    assert '"team": "infra"' in tuned.split('"outputs"')[-1]


def test_an_unread_property_of_a_failed_registration_fails_the_plan_as_in_pulumi(stock_runtime: None) -> None:
    def program() -> None:
        first = huaweicloud.vpc.Vpc("same", name="a", cidr="10.0.0.0/16")
        second = huaweicloud.vpc.Vpc("same", name="b", cidr="10.1.0.0/16")
        huaweicloud.vpc.Subnet("sub", vpc_id=first.id, cidr=second.cidr, gateway_ip="10.1.0.1", name="s")

    with pytest.raises(EngineError) as stock:
        plan_program(program)
    runtime.TUNING.set(runtime.TUNED)
    with pytest.raises(EngineError) as tuned:
        plan_program(program)
    assert tuned.value.message == stock.value.message
    assert "twice" in tuned.value.message


async def _settled(resource: object, read_first: bool, settlement: tuple[Any, ...]) -> tuple[Any, ...]:
    """Value, known, secret and dependencies of property `cidr`, read before or after its settlement."""
    outputs = LazyOutputs({"_name": "net"}, resource, ["cidr"])
    if read_first:
        output = outputs.get("cidr")
        outputs.resolver("cidr")(*settlement)
    else:
        outputs.resolver("cidr")(*settlement)
        output = outputs["cidr"]
    assert isinstance(output, pulumi.Output)
    return await output.future(), await output.is_known(), await output.is_secret(), await output.resources()


@pytest.mark.parametrize("read_first", [True, False], ids=["read-then-settled", "settled-then-read"])
def test_an_output_built_on_read_carries_value_known_secret_and_dependencies(read_first: bool) -> None:
    resource, dependency = object(), object()
    settlement = ("10.0.0.0/16", True, True, {dependency}, None)
    result = asyncio.run(_settled(resource, read_first, settlement))
    assert result == ("10.0.0.0/16", True, True, {resource, dependency})


@pytest.mark.parametrize("read_first", [True, False], ids=["read-then-failed", "failed-then-read"])
def test_an_output_built_on_read_fails_with_the_registration(read_first: bool) -> None:
    failure = RuntimeError("registration refused")
    with pytest.raises(RuntimeError, match="registration refused"):
        asyncio.run(_settled(object(), read_first, (None, False, False, None, failure)))


def test_the_dict_reads_like_the_eager_one() -> None:
    async def scenario() -> None:
        outputs = LazyOutputs({"_name": "net"}, object(), ["cidr", "name", "tags"])
        assert "cidr" in outputs
        assert "missing" not in outputs
        assert outputs.get("missing", 7) == 7
        outputs["name"] = "written"  # written over before it was read: the write wins, as in Pulumi
        outputs.resolver("name")("settled", True, False, None, None)
        assert outputs.get("name") == "written"
        assert len(outputs) == 4  # enumeration builds every Output first
        assert all(isinstance(outputs[key], pulumi.Output) for key in ("cidr", "tags"))
        assert sorted(outputs) == ["_name", "cidr", "name", "tags"]
        with pytest.raises(KeyError):
            outputs["missing"]

    asyncio.run(scenario())
