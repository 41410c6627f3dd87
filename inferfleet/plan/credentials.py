"""Provider credentials never reach a plan, whatever their source.

A provider's SDK fills credential inputs from the environment (TENCENTCLOUD_SECRET_ID,
ALICLOUD_ACCESS_KEY, ...) or from stack config, and not every SDK marks them secret (the Tencent
provider sends `secretId` in clear). So a provider resource keeps, as written, only the inputs
known to be harmless; every other input of it shows as the secret marker, on every cloud and for
every plan source (offline capture, `pulumi preview --json`, CrossGuard). The marker, not a
removal: a reviewer still sees that a provider was given credentials and where.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inferfleet.plan.model import SECRET, UNKNOWN, PlanResource

SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
"""The key of Pulumi's signed wire values (secrets, outputs, resource references)."""
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_SIGNATURE = "d0e6a833031e9bbcd3f4e8bde6ca49a4"

PROVIDER_TYPE_PREFIX = "pulumi:providers:"
PUBLIC_PROVIDER_INPUTS = frozenset(
    {
        "region",
        "version",
        "pluginDownloadURL",
        "skipRegionValidation",
        "enableServerSideApply",
        "namespace",
        "context",
        "cluster",
    }
)
"""Provider inputs shown as they are: where and how it deploys, never who it deploys as."""
_MARKERS = (SECRET, UNKNOWN)


def _masked(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if key in PUBLIC_PROVIDER_INPUTS or value in _MARKERS else SECRET for key, value in inputs.items()
    }


def mask_provider_credentials(resources: Iterable[PlanResource]) -> None:
    """Replace, in place, every non-public input (and output, and old input) of each provider resource."""
    for resource in resources:
        if not resource["type"].startswith(PROVIDER_TYPE_PREFIX):
            continue
        resource["inputs"] = _masked(resource["inputs"])
        old = resource.get("old_inputs")
        if isinstance(old, dict):
            resource["old_inputs"] = _masked(old)
        outputs = resource.get("outputs")
        if isinstance(outputs, dict):
            resource["outputs"] = _masked(outputs)


def mask_signed_secrets(value: Any) -> Any:
    """`value` with each of Pulumi's signed secrets (and secret outputs) as the secret marker: a plan
    file is read as written, and whatever wrote it may have kept Pulumi's wire form of a secret."""
    if isinstance(value, list):
        return [mask_signed_secrets(item) for item in value]
    if isinstance(value, dict):
        signature = value.get(SIGNATURE_KEY)
        if signature == SECRET_SIGNATURE or (signature == OUTPUT_SIGNATURE and value.get("secret")):
            return SECRET
        return {key: mask_signed_secrets(item) for key, item in value.items()}
    return value
