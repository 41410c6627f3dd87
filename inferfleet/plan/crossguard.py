"""A stack under CrossGuard validation (`pulumi preview --policy-pack`) as a plan.

The stack's resources (type, props, options, dependencies) become the plan model the gate decides.
pulumi-policy hands each resource's props as proxies (`_DictProxy`, `_ListProxy`) that raise on a
value the preview cannot know yet; :func:`plain_props` unwraps them without reading through them, so
an unknown becomes the plan's UNKNOWN marker instead of an exception. The stack's env, cloud, region
and version come from the stack's own config, which the engine passes to the pack (PULUMI_CONFIG).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi_policy import proxy
from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy

from inferfleet.errors import PlanInputError, SpecError
from inferfleet.plan.finish import finish_plan
from inferfleet.plan.load import STRICT_JSON
from inferfleet.plan.model import FLEET_CONFIG_KEY, MODULE_TYPE_PREFIX, SECRET, UNKNOWN, Plan, PlanResource

if TYPE_CHECKING:
    from pulumi_policy import PolicyResource

    from inferfleet.spec.model import FleetSpec

MAX_DEPTH = 64
"""Deepest nesting of a prop value; deeper is refused rather than recursed into."""
MAX_FLEET_CONFIG_BYTES = 1 << 20

_UNKNOWN_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)
"""The strings pulumi-policy leaves where the engine sent an unknown (one per value kind)."""
_PROXIES = (proxy._DictProxy, proxy._ListProxy, _DictSecretsProxy, _ListSecretsProxy)


def plain_props(value: Any, *, where: str = "props", depth: int = 0) -> Any:
    """A prop value as plan JSON: proxies unwrapped recursively, unknowns as UNKNOWN, secrets as SECRET.

    Reads each proxy's target (`proxy["__target"]`, as pulumi-policy's own serializer does), never its
    items, so an unknown value is marked instead of raising UnknownValueError.
    """
    if depth > MAX_DEPTH:
        raise PlanInputError("stack under policy validation", where, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, _PROXIES):
        value = value["__target"]
    if isinstance(value, Secret):
        return SECRET
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        # Protobuf Structs carry every number as a double; the plan keeps integers integral.
        return int(value) if math.isfinite(value) and value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(key): plain_props(item, where=f"{where}.{key}", depth=depth + 1) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [plain_props(item, where=f"{where}[{index}]", depth=depth + 1) for index, item in enumerate(value)]
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return _asset(value)
    raise PlanInputError("stack under policy validation", where, f"unexpected value of type {type(value).__name__}")


def _asset(value: pulumi.Asset | pulumi.Archive) -> dict[str, str]:
    """An asset or archive by what identifies it (a path, a URI, or the sha256 of inline text)."""
    kind = type(value).__name__
    for attribute in ("path", "uri"):
        if isinstance(getattr(value, attribute, None), str):
            return {"asset": kind, attribute: getattr(value, attribute)}
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return {"asset": kind, "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return {"asset": kind}


def fleet_from_config(raw: Any, *, stack: str) -> FleetSpec:
    """The fleet spec from the stack's own config value `inference-fleet:fleet` (a JSON object text).

    Missing or malformed config is a SpecError: the pack cannot decide without the stack's env and
    refuses the stack rather than guessing (closed, never open).
    """
    from inferfleet.spec.load import parse_fleet

    label = f"stack {stack} (config passed to the policy pack)"
    if raw is None:
        raise SpecError(
            label,
            f"config.{FLEET_CONFIG_KEY}",
            "missing: the policy pack reads env, cloud, region and version from the stack's own config, and the "
            "engine passed none for this key (run the pack on an inferfleet stack, with a Pulumi CLI that passes "
            "stack config to policy packs)",
        )
    if isinstance(raw, str):
        if len(raw.encode()) > MAX_FLEET_CONFIG_BYTES:
            raise SpecError(label, f"config.{FLEET_CONFIG_KEY}", f"larger than {MAX_FLEET_CONFIG_BYTES} bytes")
        try:
            raw = STRICT_JSON.decode(raw)
        except (ValueError, RecursionError) as exc:
            raise SpecError(label, f"config.{FLEET_CONFIG_KEY}", f"expected a JSON object ({exc})") from None
    return parse_fleet(raw, label)


def plan_from_stack(resources: Sequence[PolicyResource], *, fleet_config: Any) -> Plan:
    """The plan document of a stack under validation; `fleet_config` is the stack's `inference-fleet:fleet`."""
    if not resources:
        raise PlanInputError("stack under policy validation", "resources", "expected at least one resource")
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
                "inputs": plain_props(resource.props, where=f"{resource.urn}.props"),
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
    fleet = fleet_from_config(fleet_config, stack=stack)
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
