"""The plan model: the one shape every plan source produces and every consumer reads.

Format `inferfleet.plan/v1` (docs/plan-format.md, docs/plan.schema.json). Sources build plans through
:func:`inferfleet.plan.finish.finish_plan`; the gate, the renderer and the diff read these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

__all__ = [
    "DYNAMIC_PROVIDER",
    "DYNAMIC_PROVIDER_INPUT",
    "FLEET_CONFIG_KEY",
    "MODULE_TYPE_PREFIX",
    "PLAN_FORMAT",
    "PREVIEW_SECRET",
    "SECRET",
    "UNKNOWN",
    "BaseRelease",
    "Plan",
    "PlanResource",
    "ResourceOptions",
    "StackSettings",
    "dumps",
]

from inferfleet import FLEET_CONFIG_KEY, jsontext

PLAN_FORMAT = "inferfleet.plan/v1"
UNKNOWN = "(known after apply)"
"""How a value that only exists after apply appears in a plan (as in Terraform's human plan)."""
SECRET = "(sensitive value)"
"""How a secret value appears in a plan: the value itself never reaches the document."""
PREVIEW_SECRET = "[secret]"
"""How `pulumi preview --json` shows a secret; normalised to SECRET."""
MODULE_TYPE_PREFIX = "inferfleet:"
"""Type tokens of the modules' components: `inferfleet:<module>:<Component>`."""
DYNAMIC_PROVIDER_INPUT = "__provider"
"""The input in which a Pulumi dynamic resource carries its pickled provider code."""
DYNAMIC_PROVIDER = "(serialized dynamic provider)"


class ResourceOptions(TypedDict, total=False):
    """Pulumi resource options as a plan records them (a source sets those it knows)."""

    protect: bool
    depends_on: list[str]
    ignore_changes: list[str]
    delete_before_replace: bool
    retain_on_delete: bool
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    deleted_with: str
    import_id: str
    custom_timeouts: dict[str, str]


class PlanResource(TypedDict):
    """One registered resource; `inputs` by the provider's wire names (camelCase)."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None
    inputs: dict[str, Any]
    dependencies: list[str]
    options: ResourceOptions
    op: str
    module: str | None
    outputs: NotRequired[dict[str, Any]]
    old_inputs: NotRequired[dict[str, Any] | None]
    replace_reasons: NotRequired[list[str]]


class StackSettings(TypedDict):
    """What a plan says about its stack, besides its resources."""

    project: str
    stack: str
    stack_version: str
    env: str
    cloud: str
    region: str


class BaseRelease(TypedDict):
    """Set when a plan is gated against a base plan: the base's version and the bump the diff implies."""

    stack_version: str
    implied_bump: str


class Plan(StackSettings):
    """A plan document."""

    format: str
    modules: dict[str, str]
    module_sources: NotRequired[dict[str, str]]
    """Where each module came from: workspace (editable), index (a wheel from an index), direct (a URL or file)."""
    deprecations: NotRequired[list[dict[str, str]]]
    """Deprecated module inputs the program sets: {module, field, removed_in, use}."""
    resources: list[PlanResource]
    outputs: dict[str, Any]
    base: NotRequired[BaseRelease]


def dumps(document: Mapping[str, Any]) -> str:
    """The canonical text of a plan (inferfleet.jsontext): stable key order and indentation, one trailing newline."""
    return jsontext.dumps(document)
