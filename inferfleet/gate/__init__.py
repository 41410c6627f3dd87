"""The policy gate: real OPA deciding plans (ours or a `pulumi preview --json`) in one query."""

from inferfleet.gate.catalog import Policy, Rule, load_catalog
from inferfleet.gate.decide import GateResult, decide
from inferfleet.gate.engine import DEFAULT_POLICIES, OpaEngine, OpaEvalEngine, OpaServer, PolicyEngine, find_opa
from inferfleet.gate.plan_input import DEFAULT_MAX_PLAN_BYTES, load_plan, policy_input, with_base
from inferfleet.gate.waivers import Waiver, load_waivers

__all__ = [
    "DEFAULT_MAX_PLAN_BYTES",
    "DEFAULT_POLICIES",
    "GateResult",
    "OpaEngine",
    "OpaEvalEngine",
    "OpaServer",
    "Policy",
    "PolicyEngine",
    "Rule",
    "Waiver",
    "decide",
    "find_opa",
    "load_catalog",
    "load_plan",
    "load_waivers",
    "policy_input",
    "with_base",
]
