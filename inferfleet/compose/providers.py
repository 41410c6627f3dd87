"""Explicit provider per cloud and region: what differs between the clouds is this table."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pulumi

from inferfleet.spec.model import Cloud


@dataclass(frozen=True)
class ProviderKind:
    package: str
    """The SDK's Python package."""
    region_arg: str
    """The Provider argument that takes the region."""


PROVIDERS: dict[str, ProviderKind] = {
    "huaweicloud": ProviderKind(package="pulumi_huaweicloud", region_arg="region"),
    "alicloud": ProviderKind(package="pulumi_alicloud", region_arg="region"),
    "tencentcloud": ProviderKind(package="tencentcloud_iac_pulumi", region_arg="region"),
    "aws": ProviderKind(package="pulumi_aws", region_arg="region"),
}


def cloud_provider(cloud: Cloud, region: str, *, name: str | None = None) -> pulumi.ProviderResource:
    """A provider pinned to `region`; credentials come from the environment or stack config, as usual."""
    kind = PROVIDERS[cloud]
    sdk = importlib.import_module(kind.package)
    provider: pulumi.ProviderResource = sdk.Provider(name or f"{cloud}-{region}", **{kind.region_arg: region})
    return provider
