"""Every cloud x placement of a prod GpuPool passes the repository's policy gate (the real OPA)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from inferfleet_gpu_instance import GpuPool, GpuPoolArgs
from test_gpu_pool import CLOUDS, PLACEMENTS, pool_args

from inferfleet.compose.providers import cloud_provider
from inferfleet.gate import DEFAULT_POLICIES, OpaEngine, decide, load_catalog
from inferfleet.plan import plan_program

STACK, VERSION = "prod-test", "1.2.3"
TAGS = {"team": "t", "env": "prod", "cost-center": "cc", "owner": "o", "stack": STACK, "stack-version": VERSION}


@pytest.fixture(scope="module")
def engine() -> Iterator[OpaEngine]:
    with OpaEngine.start(DEFAULT_POLICIES) as started:
        yield started


def gate(engine: OpaEngine, args: GpuPoolArgs) -> list[dict[str, Any]]:
    def program() -> None:
        GpuPool("gpu", args, pulumi.ResourceOptions(provider=cloud_provider(args.cloud, args.region)))

    plan = plan_program(program, stack=STACK, stack_version=VERSION, env="prod", cloud=args.cloud, region=args.region)
    return decide(plan, engine, load_catalog(DEFAULT_POLICIES)).violations


@pytest.mark.slow
@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_prod_pool_passes_the_gate(engine: OpaEngine, cloud: str, placement: str) -> None:
    assert gate(engine, pool_args(cloud, placement, tags=TAGS)) == []


@pytest.mark.slow
def test_the_gate_sees_a_pool_without_the_required_tags(engine: OpaEngine) -> None:
    # The control: the same pool without a cost-center tag is denied, so a pass above means something.
    untagged = {key: value for key, value in TAGS.items() if key != "cost-center"}
    violations = gate(engine, pool_args("aws", "standalone", tags=untagged))
    assert {v["policy_id"] for v in violations} == {"IF-TAG-001"}
    assert len(violations) == 3  # the three instances of the pool
