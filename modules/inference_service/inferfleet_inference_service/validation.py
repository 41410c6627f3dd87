"""Schema validation of rendered manifests against the Kubernetes OpenAPI schemas (kubernetes-validate)."""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Any


@functools.cache
def known_kubernetes_versions() -> list[str]:
    """Kubernetes minor versions ("1.31") whose schemas the installed kubernetes-validate ships, ascending.

    Read from the names of the package's schema folders (`v1.31.0-local`, ...), as
    `kubernetes_validate.utils.all_versions` does, without importing the package: its import (the
    JSON Schema validator) costs more than a small plan's whole composition, and every stack
    check asks this. A package without that folder is asked through its API instead.
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = (spec.submodule_search_locations or []) if spec is not None else []
    folder = next((found for place in locations if (found := Path(place) / "kubernetes-json-schema").is_dir()), None)
    if folder is not None:
        names = [entry.name for entry in folder.iterdir()]
    else:
        from kubernetes_validate import utils

        names = [f"v{version}" for version in utils.all_versions()]
    minors = {match[1] for name in names if (match := _SCHEMA_FOLDER.match(name))}
    return sorted(minors, key=lambda minor: tuple(int(part) for part in minor.split(".")))


_SCHEMA_FOLDER = re.compile(r"v(\d+\.\d+)")


def validate_manifest(manifest: dict[str, Any], version: str) -> None:
    """Validate one object strictly (unknown fields fail) against the schemas of Kubernetes `version`.

    Raises ValueError naming the object and the first schema violation; a version without
    schemas is refused rather than silently validated against another one.
    """
    import kubernetes_validate
    from kubernetes_validate import utils

    if version not in known_kubernetes_versions():
        raise ValueError(
            f"Kubernetes {version} is not known to kubernetes-validate ({', '.join(known_kubernetes_versions())})"
        )
    where = f"{manifest.get('kind')} {manifest.get('metadata', {}).get('name')!r}"
    try:
        kubernetes_validate.validate(manifest, version, strict=True)
    except utils.SchemaNotFoundError as exc:
        raise ValueError(
            f"{where}: no schema for {manifest.get('apiVersion')} {manifest.get('kind')} in {version}"
        ) from exc
    except utils.ValidationError as exc:
        path = ".".join(str(part) for part in exc.absolute_path)
        raise ValueError(f"{where}: {path or '(root)'}: {exc.message}") from exc
