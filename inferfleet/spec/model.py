"""The typed model of one stack's fleet spec (the `inference-fleet:fleet` stack-config key).

Structure and ranges live here and in the section files (network, compute, serving); checks
that need data from the modules (the accelerator catalog, known sysctl keys, Kubernetes
versions) live in :mod:`inferfleet.spec.checks`. Every model is frozen and rejects unknown
keys, so a typo never silently becomes a default.
"""

from __future__ import annotations

import semver
from pydantic import Field, field_validator, model_validator

from inferfleet.errors import holds_credential
from inferfleet.spec.base import (
    MAX_LINKS,
    MAX_POOLS,
    MAX_SERVICES,
    MAX_STANDALONE_NODES,
    MAX_TAGS,
    STACK_NAME,
    STACK_NAME_MAX,
    SpecModel,
)
from inferfleet.spec.compute import PoolSpec, TuningSpec
from inferfleet.spec.network import LinkSpec, Network
from inferfleet.spec.serving import ServiceSpec
from inferfleet.spec.settings import Cloud, Env

__all__ = ["STACK_NAME", "STACK_NAME_MAX", "Cloud", "Env", "FleetSpec", "Tags"]


class Tags(SpecModel):
    """Ownership tags applied to every taggable resource, together with env, stack and stack-version."""

    team: str = Field(min_length=1, description="Owning team.")
    cost_center: str = Field(alias="cost-center", min_length=1, description="Cost center billed for the fleet.")
    owner: str = Field(min_length=1, description="Person or alias to page about the fleet.")
    extra: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_TAGS,
        description=f"Further tags, at most {MAX_TAGS}; none named like a credential. Default: none.",
    )

    @field_validator("extra")
    @classmethod
    def _no_credentials(cls, extra: dict[str, str]) -> dict[str, str]:
        named = sorted(key for key in extra if holds_credential(key))
        if named:
            raise ValueError(
                f"{named} look like credentials; a tag is written in clear on every resource and in the plan "
                "(a credential goes in a service's `secrets`)"
            )
        return extra


class FleetSpec(SpecModel):
    """One stack's fleet: where it runs, what it is made of, who owns it."""

    env: Env
    cloud: Cloud
    region: str = Field(min_length=1)
    version: str = Field(description="The stack's semver version, e.g. 1.4.0.")
    tags: Tags
    network: Network
    tuning: TuningSpec = Field(default_factory=TuningSpec, description="Host tuning of every pool. Default: default.")
    pools: list[PoolSpec] = Field(default_factory=list, max_length=MAX_POOLS)
    services: list[ServiceSpec] = Field(default_factory=list, max_length=MAX_SERVICES)
    links: list[LinkSpec] = Field(default_factory=list, max_length=MAX_LINKS)

    @field_validator("version")
    @classmethod
    def _semver(cls, version: str) -> str:
        if not semver.Version.is_valid(version):
            raise ValueError(f"'{version}' is not a semver version (MAJOR.MINOR.PATCH[-pre][+build])")
        return version

    @model_validator(mode="after")
    def _references(self) -> FleetSpec:
        _require_unique("pools", [pool.name for pool in self.pools])
        _require_unique("services", [service.name for service in self.services])
        _require_unique("links", [link.stack for link in self.links])
        standalone = sum(pool.count for pool in self.pools if pool.placement == "standalone")
        if standalone > MAX_STANDALONE_NODES:
            raise ValueError(
                f"the standalone pools have {standalone} nodes together, above the limit of {MAX_STANDALONE_NODES} "
                "per stack; run large pools as placement scaling_group or kubernetes"
            )
        return self

    def pool(self, name: str) -> PoolSpec | None:
        return next((pool for pool in self.pools if pool.name == name), None)

    def tuning_of(self, pool: PoolSpec) -> TuningSpec:
        return pool.tuning if pool.tuning is not None else self.tuning


def _require_unique(section: str, names: list[str]) -> None:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{section} names must be unique, repeated: {', '.join(repeated)}")
