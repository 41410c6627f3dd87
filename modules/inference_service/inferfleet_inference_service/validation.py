"""Schema validation of rendered manifests against the Kubernetes OpenAPI schemas (kubernetes-validate)."""

from __future__ import annotations

from typing import Any


def known_kubernetes_versions() -> list[str]:
    """Kubernetes minor versions ("1.31") whose schemas the installed kubernetes-validate ships, ascending."""
    from kubernetes_validate import utils

    minors = {utils.major_minor(version) for version in utils.all_versions()}
    return sorted(minors, key=lambda minor: tuple(int(part) for part in minor.split(".")))


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
