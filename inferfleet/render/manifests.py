"""Kubernetes manifests from a plan document: one YAML file per object, for GitOps review.

The objects are the inputs of the plan's `kubernetes:*` resources, exactly what the program
sends to the cluster: nothing is rendered a second way. Files are grouped by the cluster's
provider and the namespace: `<provider>/<namespace>/<kind>-<name>.yaml`, cluster-scoped
objects under `<provider>/_cluster/`.
"""

from __future__ import annotations

from typing import Any

import yaml

from inferfleet.errors import PlanInputError
from inferfleet.plan.model import Plan, PlanResource

KUBERNETES_TYPE_PREFIX = "kubernetes:"
PROVIDER_TYPE = "pulumi:providers:kubernetes"
CLUSTER_SCOPE = "_cluster"
DEFAULT_PROVIDER = "default"
_LEADING_KEYS = ("apiVersion", "kind", "metadata")
_PLAN = "plan"
"""How errors name the plan document (the caller knows no file: it may come from memory)."""


def _fail(key_path: str, expectation: str) -> PlanInputError:
    return PlanInputError(_PLAN, key_path, expectation)


def _provider_name(resource: PlanResource) -> str:
    urn = resource.get("provider")
    if not isinstance(urn, str) or not urn:
        return DEFAULT_PROVIDER
    return urn.rsplit("::", 1)[-1]


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _ordered(manifest: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind and metadata first, as people write manifests; every other key in key order.

    Sorting makes the files byte-identical across runs whatever order the plan's mappings came in.
    """
    leading = {key: _sorted(manifest[key]) for key in _LEADING_KEYS if key in manifest}
    rest = {key: _sorted(manifest[key]) for key in sorted(manifest) if key not in _LEADING_KEYS}
    return {**leading, **rest}


def _file_name(where: str, resource: PlanResource, manifest: dict[str, Any]) -> str:
    for key in ("apiVersion", "kind"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise _fail(f"{where}.inputs.{key}", "expected the object's non-empty string (a Kubernetes object)")
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
        raise _fail(
            f"{where}.inputs.metadata.name", "expected an explicit object name (an auto-name cannot be reviewed)"
        )
    namespace = metadata.get("namespace")
    scope = namespace if isinstance(namespace, str) and namespace else CLUSTER_SCOPE
    return f"{_provider_name(resource)}/{scope}/{manifest['kind'].lower()}-{metadata['name']}.yaml"


def manifest_files(plan: Plan) -> dict[str, str]:
    """Relative file name -> YAML text, one file per Kubernetes object in the plan."""
    resources = plan.get("resources") if isinstance(plan, dict) else None
    if not isinstance(resources, list):
        raise _fail("resources", "expected the list of planned resources")
    files: dict[str, str] = {}
    origin: dict[str, str] = {}
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict):
            raise _fail(where, "expected a resource mapping")
        kind = resource.get("type")
        if not isinstance(kind, str):
            raise _fail(f"{where}.type", "expected the resource type token")
        if not kind.startswith(KUBERNETES_TYPE_PREFIX) or resource.get("op") == "read":
            continue
        manifest = resource.get("inputs")
        if not isinstance(manifest, dict):
            raise _fail(f"{where}.inputs", "expected the object's fields as a mapping")
        name = _file_name(where, resource, manifest)
        if name in files:
            raise _fail(where, f"renders to {name}, as does {origin[name]}: two objects of one kind and name")
        origin[name] = str(resource.get("urn", where))
        files[name] = yaml.safe_dump(_ordered(manifest), sort_keys=False, default_flow_style=False, width=120)
    return files
