"""The same Rego policies at deploy time: Pulumi CrossGuard stack policies backed by OPA.

policy-pack/__main__.py builds a `PolicyPack` from `stack_policies()`: one StackValidationPolicy
per Rego rule (id, title, severity, remediation from its METADATA; mandatory rules MANDATORY,
advisory rules ADVISORY), so `pulumi preview --policy-pack policy-pack` enforces what the gate
enforces. The stack's resources (type, props, options, dependencies) become the same plan model
the gate builds; OPA decides the whole stack once, and each policy reports its rule's violations.
The stack's env, cloud, region and version come from the stack's own config: the engine passes it to
the pack (PULUMI_CONFIG), and pulumi-policy loads it into Pulumi's runtime config before each
validation. Anything that prevents a decision (no OPA, no fleet config) raises, and Pulumi fails the
preview: closed, never open.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from inferfleet.errors import cut
from inferfleet.gate.catalog import Rule, load_catalog
from inferfleet.gate.engine import DEFAULT_POLICIES, OpaEvalEngine, PolicyEngine
from inferfleet.plan.crossguard import plan_from_stack
from inferfleet.plan.model import FLEET_CONFIG_KEY
from inferfleet.text import visible

EngineFactory = Callable[[], PolicyEngine]
FleetConfigSource = Callable[[], Any]
MAX_MESSAGE_CHARS = 2000
"""Longest violation message handed to the Pulumi CLI (a policy can quote a prop of any length)."""
_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


class SharedDecision:
    """Decides a stack once (one OPA query) for all the pack's policies, which Pulumi calls one by one
    (from several analyzer threads: the lock makes the first call decide and the others wait)."""

    def __init__(self, engine_factory: EngineFactory, fleet_config: FleetConfigSource) -> None:
        self._engine_factory = engine_factory
        self._engine: PolicyEngine | None = None
        self._fleet_config = fleet_config
        self._decided: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def violations(self, resources: Sequence[PolicyResource]) -> list[dict[str, Any]]:
        from inferfleet.gate.plan_input import policy_input

        plan = policy_input(plan_from_stack(resources, fleet_config=self._fleet_config()))
        key = hashlib.sha256(orjson.dumps(plan, option=orjson.OPT_SORT_KEYS)).hexdigest()
        with self._lock:
            if key not in self._decided:
                if self._engine is None:
                    self._engine = self._engine_factory()
                    atexit.register(self._engine.close)
                self._decided[key], _ = self._engine.evaluate(plan)
            return self._decided[key]

    def validator(self, rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
        def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            for violation in self.violations(args.resources):
                if violation["policy_id"] != rule.policy_id:
                    continue
                urn = violation["urn"] if violation["urn"].startswith("urn:") else None
                # The Pulumi CLI prints it on a terminal: control characters as escapes, bounded in length.
                message = visible(f"{violation['message']} Fix: {violation['remediation']}")
                report_violation(cut(message, MAX_MESSAGE_CHARS), urn)

        return validate


def preserve_secret_marks() -> None:
    """Have pulumi-policy keep the engine's secret marks on props (as `Secret` values), as it does for
    remediations; the pack program calls this before it serves.

    For validations it unwraps secrets into plain values (`deserialize_properties` without
    `proxy_secrets`), so a violation message quoting a prop would show a secret in clear. With the
    marks kept, plain_props writes each secret as SECRET, as a preview's "[secret]" becomes SECRET.
    tests/gate/test_policy_pack.py sends the pack a secret through the engine's gRPC call.
    """
    import pulumi_policy.policy as servicer
    from pulumi_policy.deserialize import deserialize_properties

    if getattr(servicer, "deserialize_properties", None) is not deserialize_properties:
        raise RuntimeError(
            "pulumi-policy no longer reads props through pulumi_policy.policy.deserialize_properties: "
            "update inferfleet.gate.crossguard.preserve_secret_marks for this version"
        )

    def with_secret_marks(props: dict[str, Any], proxy_secrets: bool = True) -> Any:
        return deserialize_properties(props, True)

    setattr(servicer, "deserialize_properties", with_secret_marks)  # noqa: B010 (a module attribute mypy cannot see)


def stack_fleet_config() -> Any:
    """The validated stack's `inference-fleet:fleet` config (a JSON text), or None when it has none."""
    return pulumi.runtime.get_config(FLEET_CONFIG_KEY)


def stack_policies(
    policies_dir: Path = DEFAULT_POLICIES,
    *,
    fleet_config: FleetConfigSource = stack_fleet_config,
    engine_factory: EngineFactory | None = None,
) -> list[StackValidationPolicy]:
    """One CrossGuard stack policy per Rego rule, all sharing one OPA decision per stack."""
    decision = SharedDecision(engine_factory or (lambda: OpaEvalEngine.start(policies_dir)), fleet_config)
    return [
        StackValidationPolicy(
            name=rule.policy_id.lower(),
            description=rule.description,
            display_name=rule.title,
            validate=decision.validator(rule),
            enforcement_level=_LEVELS[rule.enforcement],
            severity=Severity(rule.severity),
            remediation_steps=rule.remediation,
            tags=[rule.package],
        )
        for policy in load_catalog(policies_dir)
        for rule in policy.rules
    ]


def policy_config(policies: Sequence[StackValidationPolicy]) -> Mapping[str, EnforcementLevel]:
    """Each policy's enforcement level by name, as the pack reports it."""
    return {policy.name: policy.enforcement_level for policy in policies if policy.enforcement_level is not None}
