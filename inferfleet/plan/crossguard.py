"""A stack under CrossGuard validation (`pulumi preview --policy-pack`) as a plan.

The stack's resources (type, props, options, dependencies) become the plan model the gate decides;
its env, cloud, region and version come from its stack file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inferfleet.plan.finish import finish_plan
from inferfleet.plan.model import MODULE_TYPE_PREFIX, Plan, PlanResource
from inferfleet.spec.load import load_stack

if TYPE_CHECKING:
    from pulumi_policy import PolicyResource


def plan_from_stack(resources: Sequence[PolicyResource], *, stacks_dir: Path) -> Plan:
    """The plan document of a stack under validation (env and version from its stack file)."""
    documents: list[PlanResource] = []
    for resource in resources:
        documents.append(
            {
                "urn": resource.urn,
                "type": resource.resource_type,
                "name": resource.name,
                "parent": resource.parent.urn if resource.parent is not None else None,
                "custom": not resource.resource_type.startswith(MODULE_TYPE_PREFIX),
                "provider": resource.provider.urn if resource.provider is not None else None,
                "inputs": dict(resource.props),
                "dependencies": sorted({d.urn for d in resource.dependencies}),
                "options": {
                    "protect": bool(resource.opts.protect),
                    "ignore_changes": list(resource.opts.ignore_changes),
                    "delete_before_replace": bool(resource.opts.delete_before_replace),
                },
                "op": "same",
                "module": None,
            }
        )
    stack, project = min(d["urn"] for d in documents).removeprefix("urn:pulumi:").split("::")[:2]
    fleet = load_stack(stacks_dir, stack).fleet
    return finish_plan(
        {
            "project": project,
            "stack": stack,
            "stack_version": fleet.version,
            "env": fleet.env,
            "cloud": fleet.cloud,
            "region": fleet.region,
        },
        documents,
        label=f"stack {stack} under policy validation",
    )
