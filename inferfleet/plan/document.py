"""Turn a captured program run into the plan document (`inferfleet.plan/v1`).

The document is deterministic: resources sorted by URN, keys sorted, integers kept integral,
secrets masked and values that only exist after apply marked, so two runs of the same stack
give byte-identical files. docs/plan-format.md describes it; docs/plan.schema.json checks it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any

from inferfleet.plan.credentials import OUTPUT_SIGNATURE, SECRET_SIGNATURE, SIGNATURE_KEY
from inferfleet.plan.finish import finish_plan
from inferfleet.plan.model import (
    DYNAMIC_PROVIDER,
    DYNAMIC_PROVIDER_INPUT,
    SECRET,
    UNKNOWN,
    Plan,
    PlanResource,
    ResourceOptions,
)

if TYPE_CHECKING:  # the runtime (asyncio, protobuf) loads only when a program is planned, not for `normalise`
    from inferfleet.plan.runtime import Capture, Registration

_UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e"


def normalise(value: Any) -> Any:
    """A wire value (from a protobuf Struct) as plan JSON: unknowns, secrets and references resolved."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return UNKNOWN if value == _UNKNOWN_SENTINEL else value
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, dict):
        signature = value.get(SIGNATURE_KEY)
        if signature == SECRET_SIGNATURE:
            return SECRET
        if signature == _SIG_RESOURCE:
            return value.get("urn", UNKNOWN)
        if signature == OUTPUT_SIGNATURE:
            if value.get("secret"):
                return SECRET
            return normalise(value["value"]) if "value" in value else UNKNOWN
        return {key: normalise(item) for key, item in value.items()}
    return value


def _struct(message: Any) -> dict[str, Any]:
    from google.protobuf import json_format

    return normalise(json_format.MessageToDict(message)) if message is not None else {}


def _inputs(message: Any) -> dict[str, Any]:
    inputs = _struct(message)
    if DYNAMIC_PROVIDER_INPUT in inputs:
        # The pickled provider is code, not configuration: large, and not stable across Python builds.
        inputs[DYNAMIC_PROVIDER_INPUT] = DYNAMIC_PROVIDER
    return inputs


def _provider_urn(reference: str) -> str | None:
    # A provider reference is `<urn>::<id>`; the id of a planned provider is always unknown.
    return reference.rsplit("::", 1)[0] if reference else None


def _options(request: Any, dependencies: list[str]) -> ResourceOptions:
    implicit = {urn for deps in request.propertyDependencies.values() for urn in deps.urns}
    options: ResourceOptions = {
        "protect": bool(request.protect),
        "depends_on": sorted(set(dependencies) - implicit),
        "ignore_changes": sorted(request.ignoreChanges),
        "delete_before_replace": bool(request.deleteBeforeReplace),
        "retain_on_delete": bool(request.retainOnDelete),
        "replace_on_changes": sorted(request.replaceOnChanges),
        "additional_secret_outputs": sorted(request.additionalSecretOutputs),
    }
    if request.deletedWith:
        options["deleted_with"] = request.deletedWith
    if request.importId:
        options["import_id"] = request.importId
    timeouts = request.customTimeouts
    if timeouts.create or timeouts.update or timeouts.delete:
        options["custom_timeouts"] = {
            key: getattr(timeouts, key) for key in ("create", "update", "delete") if getattr(timeouts, key)
        }
    return options


def _resource(registration: Registration, outputs: Mapping[str, Any]) -> PlanResource:
    request = registration.request
    if registration.read:
        return {
            "urn": registration.urn,
            "type": request.type,
            "name": request.name,
            "parent": request.parent or None,
            "custom": True,
            "provider": _provider_urn(request.provider),
            "inputs": {"name": request.id},
            "dependencies": sorted(request.dependencies),
            "options": {},
            "op": "read",
            "module": None,
            "outputs": {"outputs": normalise(dict(registration.read_outputs or {}))},
        }
    dependencies = sorted(set(request.dependencies))
    resource: PlanResource = {
        "urn": registration.urn,
        "type": request.type,
        "name": request.name,
        "parent": request.parent or None,
        "custom": bool(request.custom),
        "provider": _provider_urn(request.provider),
        "inputs": _inputs(request.object),
        "dependencies": dependencies,
        "options": _options(request, dependencies),
        "op": "create",
        "module": None,
    }
    if registration.urn in outputs:
        resource["outputs"] = outputs[registration.urn]
    return resource


def build_document(
    capture: Capture,
    *,
    project: str,
    stack: str,
    stack_version: str,
    env: str,
    cloud: str,
    region: str,
    settings_required: bool = True,
) -> Plan:
    outputs = {urn: _struct(struct) for urn, struct in capture.outputs.items()}
    resources = [_resource(r, outputs) for r in capture.registrations]
    plan = finish_plan(
        {
            "project": project,
            "stack": stack,
            "stack_version": stack_version,
            "env": env,
            "cloud": cloud,
            "region": region,
        },
        resources,
        label=f"plan of {stack}",
        outputs=outputs.get(capture.stack_urn, {}),
        settings_required=settings_required,
    )
    plan["modules"] = module_versions(r["module"] for r in plan["resources"])
    plan["module_sources"] = {name: module_source(name) for name in plan["modules"]}
    unique = {tuple(sorted(d.items())): d for d in capture.deprecations}
    plan["deprecations"] = [unique[key] for key in sorted(unique)]
    return plan


def module_source(distribution: str) -> str:
    """Where an installed module came from (PEP 610 direct_url.json): workspace, index, direct or unknown.

    A checkout installed editable (or from its folder) is `workspace`; a wheel pip fetched from an
    index records no direct URL, so it is `index`; a wheel installed from a file or URL is `direct`.
    """
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
    text = dist.read_text("direct_url.json")
    if text is None:
        return "index"
    try:
        direct = json.loads(text)
    except ValueError:
        return "unknown"
    if isinstance(direct, dict) and isinstance(direct.get("dir_info"), dict):
        return "workspace"
    return "direct"


def module_versions(distributions: Iterable[str | None]) -> dict[str, str]:
    """Installed versions of the module distributions a plan uses."""
    versions: dict[str, str] = {}
    for name in sorted({d for d in distributions if d is not None}):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "0+unknown"
    return versions
