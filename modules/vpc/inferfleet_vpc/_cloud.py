"""The one small interface every cloud file implements, and how a component finds its cloud."""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi

from inferfleet_vpc.args import InterconnectArgs, Rule, VpcArgs


@dataclass(frozen=True)
class Children:
    """How a component creates children: parent, explicit provider, protection."""

    parent: pulumi.Resource
    provider: pulumi.ProviderResource | None
    protect: bool = False

    def opts(
        self,
        *,
        parent: pulumi.Resource | None = None,
        protect: bool | None = None,
        depends_on: list[pulumi.Resource] | None = None,
        provider: pulumi.ProviderResource | None = None,
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=parent or self.parent,
            provider=provider or self.provider,
            protect=self.protect if protect is None else protect,
            depends_on=depends_on,
        )


@dataclass(frozen=True)
class BuiltNetwork:
    vpc: pulumi.CustomResource
    route_table_id: pulumi.Output[str] | None


@dataclass(frozen=True)
class BuiltInterconnect:
    interconnect_id: pulumi.Output[str]
    """The CEN / CCN / Cloud Connect connection / local transit gateway."""
    attachment_ids: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    """Attachment of each VPC (by end name) and each hybrid line (by line name)."""


class CloudNetwork(Protocol):
    def network(self, name: str, args: VpcArgs, children: Children) -> BuiltNetwork: ...

    def subnet(
        self,
        name: str,
        *,
        vpc: pulumi.CustomResource,
        zone: str,
        cidr: ipaddress.IPv4Network,
        args: VpcArgs,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.CustomResource: ...

    def security_group(
        self, name: str, *, vpc: pulumi.CustomResource, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource: ...

    def rule(
        self, name: str, *, group: pulumi.CustomResource, rule: Rule, args: VpcArgs, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource: ...

    def nat_gateway(
        self,
        name: str,
        *,
        network: BuiltNetwork,
        subnets: Mapping[str, pulumi.CustomResource],
        args: VpcArgs,
        children: Children,
    ) -> pulumi.Output[str]: ...

    def interconnect(
        self,
        name: str,
        args: InterconnectArgs,
        children: Children,
        peer_providers: Mapping[str, pulumi.ProviderResource],
    ) -> BuiltInterconnect: ...


def cloud_network(cloud: str) -> CloudNetwork:
    """The cloud's implementation; its SDK is imported only now, and only for that cloud."""
    module: Any = importlib.import_module(f"inferfleet_vpc._{cloud}")
    backend: CloudNetwork = module.BACKEND
    return backend


def required(value: pulumi.Input[str | None] | None, what: str) -> pulumi.Output[str]:
    """An optional end value that this cloud needs (the args checks refuse a static None up front)."""

    def check(resolved: str | None) -> str:
        if resolved is None:
            raise ValueError(f"{what} is required on this cloud")
        return resolved

    return pulumi.Output.from_input(value).apply(check)
