"""The tags every taggable resource carries."""

from __future__ import annotations

from inferfleet.spec.model import FleetSpec

REQUIRED_TAG_KEYS = ("team", "env", "cost-center", "stack", "stack-version")
"""Tag keys the policy gate requires on every taggable resource."""


def fleet_tags(fleet: FleetSpec, stack: str) -> dict[str, str]:
    """Ownership tags, then env/stack/version (which win over any user-supplied extra with the same key)."""
    return {
        **fleet.tags.extra,
        "team": fleet.tags.team,
        "cost-center": fleet.tags.cost_center,
        "owner": fleet.tags.owner,
        "env": fleet.env,
        "stack": stack,
        "stack-version": fleet.version,
        "managed-by": "inferfleet",
    }
