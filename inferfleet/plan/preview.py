"""A `pulumi preview --json` document as a plan: one resource per step, old state as `old_inputs`.

Steps whose resource leaves the stack (delete, discard, ...) are dropped: the plan is what the stack
will hold. A replacing step keeps Pulumi's `replaceReasons` as the resource's `replace_reasons`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from inferfleet import PROJECT
from inferfleet.errors import PlanInputError, SpecError
from inferfleet.plan.document import normalise
from inferfleet.plan.finish import finish_plan
from inferfleet.plan.model import FLEET_CONFIG_KEY, PREVIEW_SECRET, SECRET, Plan, PlanResource
from inferfleet.spec.strict_yaml import YamlInputError, parse_yaml

_OP_ALIASES = {"read-replacement": "read", "refresh": "same", "import-replacement": "import"}
_LEAVING_OPS = {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}


def is_preview(document: Any) -> bool:
    """Whether a parsed JSON document is `pulumi preview --json` output rather than a plan."""
    return isinstance(document, dict) and "steps" in document and "format" not in document


def _stack_and_project(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[0].removeprefix("urn:pulumi:"), parts[1]


UNVERSIONED = "0.0.0"
"""The stack version of a preview whose settings come from flags (any Pulumi project's preview)."""


def _fleet_settings(
    preview: Mapping[str, Any],
    label: str,
    *,
    stack: str,
    project: str,
    stacks_dir: Path,
    given: Mapping[str, str] | None,
) -> dict[str, str]:
    """env, cloud, region and version of the previewed stack: from the preview's config, else (for this
    project) the stack file, else the settings given on the command line (`given`: env, cloud, region;
    the version is then UNVERSIONED). Given settings never override a config or stack file: the caller
    checks they agree with what was found."""
    fleet = (preview.get("config") or {}).get(FLEET_CONFIG_KEY)
    if isinstance(fleet, str):
        try:  # the stack files' strict reader: a repeated key, an alias bomb or an oversized text refused
            fleet = parse_yaml(fleet)
        except YamlInputError as exc:
            raise PlanInputError(label, f"config.{FLEET_CONFIG_KEY}", f"is not a JSON/YAML object ({exc})") from None
    if fleet is None:
        from inferfleet.spec.load import load_stack

        # Another project's stack of the same name is not ours: its settings come from the flags.
        reason = f"the preview is of project {project!r}, not {PROJECT!r}"
        if project == PROJECT:
            try:
                spec = load_stack(stacks_dir, stack).fleet
            except SpecError as exc:
                reason = f"the stack file gave no fleet spec either ({exc.message})"
            else:
                return {"env": spec.env, "cloud": spec.cloud, "region": spec.region, "version": spec.version}
        missing = [f"--{key}" for key in ("env", "cloud", "region") if key not in (given or {})]
        if not missing:
            return {**(given or {}), "version": UNVERSIONED}
        raise PlanInputError(
            label,
            f"config.{FLEET_CONFIG_KEY}",
            f"missing, and {reason}; give the settings with {', '.join(missing)}",
        )
    if not isinstance(fleet, dict):
        raise PlanInputError(label, f"config.{FLEET_CONFIG_KEY}", "expected an object")
    settings = {}
    for key in ("env", "cloud", "region", "version"):
        value = fleet.get(key)
        if not isinstance(value, str) or not value:
            raise PlanInputError(label, f"config.{FLEET_CONFIG_KEY}.{key}", "expected a non-empty string")
        settings[key] = value
    return settings


def _step_resource(step: Mapping[str, Any], where: str, label: str) -> PlanResource:
    state = step.get("newState") or step.get("oldState")
    if not isinstance(state, dict):
        raise PlanInputError(label, f"{where}.newState", "expected the resource's new state (an object)")
    urn = step.get("urn") or state.get("urn")
    if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
        raise PlanInputError(label, f"{where}.urn", f"expected a Pulumi URN, got {urn!r}")
    inputs = state.get("inputs") or {}
    if not isinstance(inputs, dict) or not isinstance(state.get("type"), str):
        raise PlanInputError(label, f"{where}.newState", "expected `type` (a string) and `inputs` (an object)")
    provider = state.get("provider") or ""
    resource: PlanResource = {
        "urn": urn,
        "type": state["type"],
        "name": urn.rsplit("::", 1)[-1],
        "parent": state.get("parent") or None,
        "custom": bool(state.get("custom", True)),
        "provider": provider.rsplit("::", 1)[0] if provider else None,
        "inputs": _masked(normalise(inputs)),
        "dependencies": sorted(set(state.get("dependencies") or [])),
        "options": {
            "protect": bool(state.get("protect", False)),
            "depends_on": [],
            "ignore_changes": [],
            "delete_before_replace": bool(state.get("deleteBeforeReplace", False)),
            "retain_on_delete": bool(state.get("retainOnDelete", False)),
            "replace_on_changes": [],
            "additional_secret_outputs": sorted(state.get("additionalSecretOutputs") or []),
        },
        "op": _OP_ALIASES.get(step["op"], step["op"]),
        "module": None,
    }
    reasons = step.get("replaceReasons")
    if reasons:
        if not isinstance(reasons, list) or any(not isinstance(r, str) for r in reasons):
            raise PlanInputError(label, f"{where}.replaceReasons", "expected a list of property names")
        resource["replace_reasons"] = sorted(set(reasons))
    old = step.get("oldState")
    if isinstance(old, dict) and step.get("newState"):
        resource["old_inputs"] = _masked(normalise(old.get("inputs") or {}))
    return resource


def _masked(value: Any) -> Any:
    """`pulumi preview --json` shows secrets as "[secret]"; the plan format writes them as SECRET."""
    if value == PREVIEW_SECRET:
        return SECRET
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def from_preview(
    preview: Mapping[str, Any], label: str, *, stacks_dir: Path, fleet: Mapping[str, str] | None = None
) -> Plan:
    """Normalise `pulumi preview --json` output into a plan document (resources leaving are dropped).

    `fleet` (env, cloud, region) stands in for a preview that carries no fleet config and has no stack file.
    """
    steps = preview.get("steps")
    if not isinstance(steps, list):
        raise PlanInputError(label, "steps", "expected a list of steps")
    resources: dict[str, PlanResource] = {}
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(step, dict) or not isinstance(step.get("op"), str):
            raise PlanInputError(label, where, "expected an object with `op`")
        if step["op"] in _LEAVING_OPS:
            continue
        resource = _step_resource(step, where, label)
        resources[resource["urn"]] = resource
    if not resources:
        raise PlanInputError(label, "steps", "no step creates, keeps or updates a resource; nothing to gate")
    stack, project = _stack_and_project(next(iter(resources)))
    settings = _fleet_settings(preview, label, stack=stack, project=project, stacks_dir=stacks_dir, given=fleet)
    return finish_plan(
        {
            "project": project,
            "stack": stack,
            "stack_version": settings["version"],
            "env": settings["env"],
            "cloud": settings["cloud"],
            "region": settings["region"],
        },
        list(resources.values()),
        label=label,
    )
