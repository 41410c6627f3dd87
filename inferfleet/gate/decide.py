"""The gate's decision: evaluate a plan, apply waivers, and say pass or fail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inferfleet.errors import EngineError, ExitCode
from inferfleet.gate.catalog import SEVERITIES, Policy, Rule, rules_by_id
from inferfleet.gate.engine import PolicyEngine
from inferfleet.gate.plan_input import policy_input
from inferfleet.gate.waivers import Waiver, expired_finding


def _order(violation: Mapping[str, Any]) -> tuple[int, str, str, str]:
    return (
        SEVERITIES.index(violation["severity"]),
        violation["policy_id"],
        violation["urn"],
        violation["message"],
    )


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """What the gate found: open violations, waived ones, and the rules that were evaluated."""

    stack: str
    env: str
    cloud: str
    region: str
    stack_version: str
    resource_count: int
    rules: Sequence[Rule]
    violations: list[dict[str, Any]]
    waived: list[dict[str, Any]] = field(default_factory=list)
    unused_waivers: list[Waiver] = field(default_factory=list)
    unexamined: dict[str, int] = field(default_factory=dict)
    """Resource types of the plan no policy examined, with their counts (what a reviewer checks by hand)."""

    @property
    def unexamined_resources(self) -> int:
        return sum(self.unexamined.values())

    @property
    def mandatory(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["enforcement"] == "mandatory"]

    @property
    def advisory(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["enforcement"] == "advisory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.passed else ExitCode.POLICY_DENIED


def decide(
    plan: Mapping[str, Any],
    engine: PolicyEngine,
    policies: Sequence[Policy],
    *,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
) -> GateResult:
    """Evaluate the whole plan in one query, check OPA evaluated every policy, then apply waivers."""
    decision = engine.decide(policy_input(plan))
    found = decision.violations
    missing = sorted({p.package for p in policies} - decision.policies)
    if missing:
        raise EngineError(
            f"OPA did not evaluate policy package(s) {', '.join(missing)}: it does not hold this repository's policies",
            hint="start it with the policies/opa bundle, or drop --opa-url to let the gate start its own OPA",
        )
    if decision.unexamined is None:
        raise EngineError(
            "OPA did not say which resource types no policy examined: it does not hold this repository's lib package",
            hint="start it with the policies/opa bundle, or drop --opa-url to let the gate start its own OPA",
        )
    today = today or dt.datetime.now(dt.UTC).date()
    live = [w for w in waivers if not w.expired(today)]
    open_violations = [expired_finding(w) for w in waivers if w.expired(today)]
    waived = []
    used: set[int] = set()
    for violation in found:
        waiver = next((w for w in live if w.matches(violation)), None)
        if waiver is None:
            open_violations.append(violation)
        else:
            used.add(id(waiver))
            waived.append({**violation, "waiver": waiver.as_dict()})
    return GateResult(
        stack=plan["stack"],
        env=plan["env"],
        cloud=plan["cloud"],
        region=plan["region"],
        stack_version=plan["stack_version"],
        resource_count=len(plan["resources"]),
        rules=list(rules_by_id(list(policies)).values()),
        violations=sorted(open_violations, key=_order),
        waived=sorted(waived, key=_order),
        unused_waivers=[w for w in live if id(w) not in used],
        unexamined=decision.unexamined,
    )
