"""What the gate decides: the plan model (inferfleet.plan) as OPA's input.

Plans are read by inferfleet.plan.load (an inferfleet plan or a `pulumi preview --json`); this
module keeps the gate's view of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inferfleet.plan.finish import check_plan
from inferfleet.plan.load import DEFAULT_MAX_PLAN_BYTES, load_plan, read_json, with_base
from inferfleet.plan.model import FLEET_CONFIG_KEY
from inferfleet.plan.preview import from_preview

__all__ = [
    "DEFAULT_MAX_PLAN_BYTES",
    "FLEET_CONFIG_KEY",
    "check_plan",
    "from_preview",
    "load_plan",
    "policy_input",
    "read_json",
    "with_base",
]

_POLICY_KEYS = (
    "urn",
    "type",
    "name",
    "parent",
    "custom",
    "provider",
    "inputs",
    "dependencies",
    "options",
    "op",
    "module",
)


def policy_input(plan: Mapping[str, Any]) -> dict[str, Any]:
    """What OPA sees: the plan without custom resources' outputs (policies judge inputs), and
    each resource's options without the ones left at their defaults (false, empty): policies read
    them with object.get(r, ["options", key], default). Both keep 10,000-resource inputs small."""
    resources = []
    for resource in plan["resources"]:
        slim = {key: resource[key] for key in _POLICY_KEYS}
        slim["options"] = {key: value for key, value in resource["options"].items() if value}
        if resource.get("old_inputs") is not None:
            slim["old_inputs"] = resource["old_inputs"]
        if not resource["custom"] and resource.get("outputs"):
            # Components are few; their outputs carry what policies cannot read from masked inputs
            # (a GPU pool's user data with its secrets as placeholders).
            slim["outputs"] = resource["outputs"]
        resources.append(slim)
    document = {
        "format": plan["format"],
        "project": plan["project"],
        "stack": plan["stack"],
        "stack_version": plan["stack_version"],
        "env": plan["env"],
        "cloud": plan["cloud"],
        "region": plan["region"],
        "modules": plan["modules"],
        "resources": resources,
    }
    if plan.get("deprecations"):  # deprecated module inputs the program sets (module_versions, advisory)
        document["deprecations"] = plan["deprecations"]
    if "base" in plan:  # gated against a base: its version and the bump the diff implies (stack_bump)
        document["base"] = plan["base"]
    return document
