"""The CrossGuard policy pack's validation functions, called directly on a stack's resources."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import fixture_plan
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)

from inferfleet.errors import SpecError
from inferfleet.gate import DEFAULT_POLICIES, OpaEngine, load_catalog
from inferfleet.gate.crossguard import stack_policies

pytestmark = pytest.mark.slow


def policy_resources(plan: dict[str, Any]) -> list[PolicyResource]:
    """The resources as Pulumi hands them to a stack policy: props, options, parent and dependencies linked."""
    by_urn: dict[str, PolicyResource] = {}
    for r in plan["resources"]:
        options = PolicyResourceOptions(
            protect=r["options"].get("protect", False),
            ignore_changes=[],
            delete_before_replace=False,
            aliases=[],
            custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
            additional_secret_outputs=[],
            parent=r["parent"],
        )
        provider = None
        if r["provider"]:
            provider = PolicyProviderResource(
                r["provider"].split("::")[-2], {}, r["provider"], r["provider"].split("::")[-1]
            )
        by_urn[r["urn"]] = PolicyResource(r["type"], r["inputs"], r["urn"], r["name"], options, provider, None, [], {})
    for r in plan["resources"]:
        by_urn[r["urn"]].parent = by_urn.get(r["parent"] or "")
        by_urn[r["urn"]].dependencies = [by_urn[d] for d in r["dependencies"] if d in by_urn]
    return list(by_urn.values())


def run_pack(policies: list[Any], plan: dict[str, Any]) -> dict[str, list[tuple[str, str | None]]]:
    reported: dict[str, list[tuple[str, str | None]]] = {}
    for policy in policies:
        args = StackValidationArgs(policy_resources(plan))
        policy.validate(
            args, lambda message, urn, name=policy.name: reported.setdefault(name, []).append((message, urn))
        )
    return reported


@pytest.fixture
def counted_engine(opa_url: str) -> tuple[list[int], Any]:
    calls: list[int] = []

    def factory() -> OpaEngine:
        calls.append(1)
        return OpaEngine(opa_url)

    return calls, factory


def test_one_policy_per_rule_with_its_enforcement_level(counted_engine: tuple[list[int], Any]) -> None:
    _, factory = counted_engine
    policies = {p.name: p for p in stack_policies(engine_factory=factory)}
    assert len(policies) == sum(len(p.rules) for p in load_catalog(DEFAULT_POLICIES))
    assert policies["if-net-003"].enforcement_level == EnforcementLevel.MANDATORY
    assert policies["if-tag-003"].enforcement_level == EnforcementLevel.ADVISORY
    assert policies["if-k8s-001"].remediation_steps.startswith("Reference the image as repo@sha256")


def test_denied_stack_is_reported_by_the_rules_it_breaks(counted_engine: tuple[list[int], Any]) -> None:
    calls, factory = counted_engine
    plan = fixture_plan("workloads/denied_tagged_image_as_root.json")
    reported = run_pack(stack_policies(engine_factory=factory), plan)
    assert sorted(reported) == ["if-k8s-001", "if-k8s-005", "if-k8s-006"]
    message, urn = reported["if-k8s-001"][0]
    assert urn == "urn:pulumi:prod-cn-south::inference-fleet::kubernetes:apps/v1:Deployment::autoglm-deployment"
    assert 'uses image "autoglm:latest"' in message
    assert "Fix: Reference the image" in message
    assert calls == [1], "one OPA engine for the whole pack"


def test_clean_stack_reports_nothing(counted_engine: tuple[list[int], Any]) -> None:
    _, factory = counted_engine
    assert (
        run_pack(stack_policies(engine_factory=factory), fixture_plan("workloads/allowed_hardened_service.json")) == {}
    )


def test_unknown_stack_fails_closed(counted_engine: tuple[list[int], Any], tmp_path: Path) -> None:
    _, factory = counted_engine
    policies = stack_policies(stacks_dir=tmp_path, engine_factory=factory)
    plan = fixture_plan("workloads/allowed_hardened_service.json")
    with pytest.raises(SpecError):
        policies[0].validate(StackValidationArgs(policy_resources(plan)), lambda message, urn: None)


def test_pack_program_serves_its_policies(repo: Path) -> None:
    """`python policy-pack/__main__.py` (what the Pulumi CLI runs) builds the pack and serves it."""
    process = subprocess.Popen(
        [sys.executable, str(repo / "policy-pack" / "__main__.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=repo / "policy-pack",
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().decode().strip()
        assert port.isdigit(), process.stderr.read().decode() if process.stderr else ""
    finally:
        process.terminate()
        process.wait(10)


def test_concurrent_validations_decide_once(counted_engine: tuple[list[int], Any]) -> None:
    calls, factory = counted_engine
    policies = stack_policies(engine_factory=factory)
    plan = fixture_plan("workloads/denied_tagged_image_as_root.json")
    reported: list[str] = []
    threads = [
        threading.Thread(
            target=policy.validate,
            args=(StackValidationArgs(policy_resources(plan)), lambda message, urn: reported.append(message)),
        )
        for policy in policies
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert calls == [1]
    assert len(reported) == 3
