"""The CrossGuard policy pack: its validation functions on resources built the way pulumi-policy builds them,
and the pack program itself answering the engine's AnalyzeStack call over gRPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from gate_helpers import fixture_plan
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy
from stackfiles import STACKS

from inferfleet.errors import PlanInputError, SpecError
from inferfleet.gate import DEFAULT_POLICIES, OpaEngine, load_catalog
from inferfleet.gate.crossguard import stack_policies
from inferfleet.gate.plan_input import policy_input
from inferfleet.plan import UNKNOWN
from inferfleet.plan.crossguard import plain_props

pytestmark = pytest.mark.slow

FLEET_CONFIG = json.dumps(
    yaml.safe_load((STACKS / "Pulumi.prod-cn-south.yaml").read_text())["config"]["inference-fleet:fleet"]
)
"""The stack's own fleet config as the engine passes it to a pack: a JSON text (PULUMI_CONFIG)."""


def wire_struct(props: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def engine_props(props: dict[str, Any], *, secret_marks: bool = True) -> Any:
    """Props exactly as pulumi-policy hands them to the pack's policies: the engine's Struct, deserialized
    with its secret marks kept (preserve_secret_marks; without them, as pulumi-policy does by default), proxied."""
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(wire_struct(props)), secret_marks))


def policy_resources(plan: dict[str, Any]) -> list[PolicyResource]:
    """The resources as Pulumi hands them to a stack policy: proxied props, options, parent and dependencies."""
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
                r["provider"].split("::")[-2], engine_props({}), r["provider"], r["provider"].split("::")[-1]
            )
        props = engine_props(r["inputs"])
        by_urn[r["urn"]] = PolicyResource(r["type"], props, r["urn"], r["name"], options, provider, None, [], {})
    for r in plan["resources"]:
        by_urn[r["urn"]].parent = by_urn.get(r["parent"] or "")
        by_urn[r["urn"]].dependencies = [by_urn[d] for d in r["dependencies"] if d in by_urn]
    return list(by_urn.values())


@pytest.mark.parametrize("secret_marks", [True, False])
def test_nested_props_and_unknowns_become_plan_json(secret_marks: bool) -> None:
    props = engine_props(
        {
            "metadata": {"name": "autoglm", "labels": {"team": "inference"}},
            "spec": {"replicas": 2, "ports": [{"port": 80, "cidr": UNKNOWN_STRING_VALUE}], "ratio": 0.5},
            "clusterIp": UNKNOWN_STRING_VALUE,
        },
        secret_marks=secret_marks,
    )
    if not secret_marks:
        with pytest.raises(UnknownValueError):
            dict(props)  # what the pack did before: reading through the proxy raises on the unknown
    plain = plain_props(props)
    assert plain == {
        "metadata": {"name": "autoglm", "labels": {"team": "inference"}},
        "spec": {"replicas": 2, "ports": [{"port": 80, "cidr": UNKNOWN}], "ratio": 0.5},
        "clusterIp": UNKNOWN,
    }
    assert json.loads(json.dumps(plain)) == plain
    assert type(plain["spec"]["replicas"]) is int, "the Struct's doubles come back as the plan's integers"


def test_props_nested_past_the_depth_bound_are_refused() -> None:
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(80):
        deep = {"d": deep}
    with pytest.raises(PlanInputError, match="nested deeper than"):
        plain_props(engine_props(deep))


def fleet_config() -> str:
    return FLEET_CONFIG


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
    policies = {p.name: p for p in stack_policies(fleet_config=fleet_config, engine_factory=factory)}
    assert len(policies) == sum(len(p.rules) for p in load_catalog(DEFAULT_POLICIES))
    assert policies["if-net-003"].enforcement_level == EnforcementLevel.MANDATORY
    assert policies["if-tag-003"].enforcement_level == EnforcementLevel.ADVISORY
    assert policies["if-k8s-001"].remediation_steps.startswith("Reference the image as repo@sha256")


def gate_verdicts(opa_url: str, plan: dict[str, Any]) -> set[str]:
    """The policies the gate itself finds broken in `plan`: the pack must report exactly these."""
    violations, _ = OpaEngine(opa_url).evaluate(policy_input(plan))
    return {violation["policy_id"].lower() for violation in violations}


def test_denied_stack_is_reported_by_the_rules_it_breaks(counted_engine: tuple[list[int], Any], opa_url: str) -> None:
    calls, factory = counted_engine
    plan = fixture_plan("workloads/denied_tagged_image_as_root.json")
    reported = run_pack(stack_policies(fleet_config=fleet_config, engine_factory=factory), plan)
    assert set(reported) == gate_verdicts(opa_url, plan)
    assert {"if-k8s-001", "if-k8s-005", "if-k8s-006"} <= set(reported)
    message, urn = reported["if-k8s-001"][0]
    assert urn == "urn:pulumi:prod-cn-south::inference-fleet::kubernetes:apps/v1:Deployment::autoglm-deployment"
    assert 'uses image "autoglm:latest"' in message
    assert "Fix: Reference the image" in message
    assert calls == [1], "one OPA engine for the whole pack"


def test_clean_stack_reports_nothing(counted_engine: tuple[list[int], Any]) -> None:
    _, factory = counted_engine
    assert (
        run_pack(
            stack_policies(fleet_config=fleet_config, engine_factory=factory),
            fixture_plan("workloads/allowed_hardened_service.json"),
        )
        == {}
    )


@pytest.mark.parametrize(
    ("config", "expectation"),
    [
        (None, "missing: the policy pack reads env, cloud, region and version from the stack's own config"),
        ("{not json", "expected a JSON object"),
        ('{"env": "prod", "env": "dev"}', "the key 'env' more than once"),
        ('["prod"]', "expected a mapping"),
    ],
)
def test_a_stack_without_readable_fleet_config_fails_closed(
    counted_engine: tuple[list[int], Any], config: str | None, expectation: str
) -> None:
    _, factory = counted_engine
    policies = stack_policies(fleet_config=lambda: config, engine_factory=factory)
    plan = fixture_plan("workloads/allowed_hardened_service.json")
    with pytest.raises(SpecError) as caught:
        policies[0].validate(StackValidationArgs(policy_resources(plan)), lambda message, urn: None)
    assert expectation in caught.value.message


def _analyzer_resource(resource: dict[str, Any]) -> analyzer_pb2.AnalyzerResource:
    return analyzer_pb2.AnalyzerResource(
        urn=resource["urn"],
        type=resource["type"],
        name=resource["name"],
        properties=wire_struct(resource["inputs"]),
        parent=resource["parent"] or "",
        dependencies=resource["dependencies"],
    )


def _serve_pack(repo: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`python policy-pack/__main__.py` (what the Pulumi CLI runs) with the engine's environment; its port."""
    process = subprocess.Popen(
        [sys.executable, str(repo / "policy-pack" / "__main__.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=repo / "policy-pack",
        env={**os.environ, **env},
    )
    assert process.stdout is not None
    port = process.stdout.readline().decode().strip()
    if not port.isdigit():
        process.kill()
        raise AssertionError(process.stderr.read().decode() if process.stderr else "no port")
    return process, port


def _analyze_stack(port: str, resources: list[analyzer_pb2.AnalyzerResource]) -> Any:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        return stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), timeout=120)


def _analyze_with_config(repo: Path, resources: list[analyzer_pb2.AnalyzerResource]) -> Any:
    """The pack program's answer to the engine's AnalyzeStack call, with prod-cn-south's config in
    PULUMI_CONFIG (as the engine passes it)."""
    env = {
        "PULUMI_CONFIG": json.dumps({"inference-fleet:fleet": FLEET_CONFIG, "huaweicloud:region": "cn-south-1"}),
        "PULUMI_PROJECT": "inference-fleet",
        "PULUMI_STACK": "prod-cn-south",
        "PULUMI_DRY_RUN": "true",
    }
    process, port = _serve_pack(repo, env)
    try:
        return _analyze_stack(port, resources)
    finally:
        process.terminate()
        process.wait(10)


def test_pack_program_decides_a_stack_with_nested_and_unknown_props_from_its_config(repo: Path, opa_url: str) -> None:
    """The engine's call, end to end: Struct props with nested objects and an unknown, stack config in
    PULUMI_CONFIG (as the engine passes it), the pack program answering with its violations."""
    plan = fixture_plan("workloads/denied_tagged_image_as_root.json")
    resources = [_analyzer_resource(r) for r in plan["resources"]]
    deployment = next(r for r in resources if r.type == "kubernetes:apps/v1:Deployment")
    deployment.properties["metadata"]["uid"] = UNKNOWN_STRING_VALUE
    response = _analyze_with_config(repo, resources)
    reported = {d.policyName for d in response.diagnostics}
    assert reported == gate_verdicts(opa_url, plan)
    assert {"if-k8s-001", "if-k8s-005", "if-k8s-006"} <= reported
    mandatory = {
        rule.policy_id.lower()
        for policy in load_catalog(DEFAULT_POLICIES)
        for rule in policy.rules
        if rule.enforcement == "mandatory"
    }
    assert all(
        (d.enforcementLevel == analyzer_pb2.MANDATORY) == (d.policyName in mandatory) for d in response.diagnostics
    )
    assert not any("can't run policy" in d.message for d in response.diagnostics)


def test_pack_program_without_stack_config_fails_the_preview(repo: Path) -> None:
    plan = fixture_plan("workloads/allowed_hardened_service.json")
    env = {"PULUMI_PROJECT": "inference-fleet", "PULUMI_STACK": "prod-cn-south", "PULUMI_DRY_RUN": "true"}
    process, port = _serve_pack(repo, {**env, "PULUMI_CONFIG": "{}"})
    try:
        with pytest.raises(grpc.RpcError) as caught:
            _analyze_stack(port, [_analyzer_resource(r) for r in plan["resources"]])
    finally:
        process.terminate()
        process.wait(10)
    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    assert "inference-fleet:fleet: missing" in str(caught.value.details())


def test_concurrent_validations_decide_once(counted_engine: tuple[list[int], Any], opa_url: str) -> None:
    calls, factory = counted_engine
    policies = stack_policies(fleet_config=fleet_config, engine_factory=factory)
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
    assert len(reported) == len(gate_verdicts(opa_url, plan))


SECRET_SIGNATURE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
"""How the engine marks a secret prop value on the wire (pulumi's rpc property signature)."""


def test_pack_program_never_shows_a_secret_prop_or_an_escape_in_a_message(repo: Path) -> None:
    """pulumi-policy unwraps secrets for validations: a rule quoting the image showed a secret one in clear."""
    plan = fixture_plan("workloads/denied_tagged_image_as_root.json")
    deployment = next(r for r in plan["resources"] if r["type"] == "kubernetes:apps/v1:Deployment")
    containers = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
    containers[0]["image"] = {**SECRET_SIGNATURE, "value": "registry.example/app:HUNTER2-TOKEN"}
    containers.append({**containers[0], "name": "\x1b]0;owned\x07sidecar", "image": "sidecar:latest"})
    response = _analyze_with_config(repo, [_analyzer_resource(r) for r in plan["resources"]])
    messages = [d.message for d in response.diagnostics]
    assert any("sidecar:latest" in message for message in messages), "the plain image is still judged"
    assert not any("HUNTER2" in message for message in messages)
    assert not any("\x1b" in message or "\x07" in message for message in messages)
    assert any("\\x1b]0;owned\\x07sidecar" in message for message in messages)
    assert not any("can't run policy" in message for message in messages)
