"""The one small interface every cloud file implements, and what the component hands it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi

from inferfleet_gpu_instance.args import GpuPoolArgs
from inferfleet_gpu_instance.catalog import Offering
from inferfleet_gpu_instance.userdata import UserData


@dataclass(frozen=True)
class PoolContext:
    """Everything a cloud file needs to build one pool, resolved and validated."""

    name: str
    """Component name; children are named `<name>-<role>`."""
    cloud_name: str
    """Name shown in the cloud console (prefix + name); never used for Pulumi names."""
    args: GpuPoolArgs
    offering: Offering
    image: str
    vm_root_device: str
    """Root device of the VM image where a launch template must name it ('' when the catalog has none)."""
    zones: list[str]
    user_data: UserData
    node_labels: dict[str, str]
    node_taints: list[dict[str, str]]
    parent: pulumi.Resource
    provider: pulumi.ProviderResource | None

    def opts(
        self, *, stateful: bool = False, depends_on: list[pulumi.Resource] | None = None
    ) -> pulumi.ResourceOptions:
        """Child options: parent, explicit provider; stateful children are protected when the pool is."""
        return pulumi.ResourceOptions(
            parent=self.parent,
            provider=self.provider,
            protect=self.args.protect and stateful,
            depends_on=depends_on,
        )

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.args.tags)

    def subnet(self, zone: str) -> pulumi.Input[str]:
        return self.args.subnet_ids[zone]

    @property
    def subnet_list(self) -> list[pulumi.Input[str]]:
        return [self.args.subnet_ids[zone] for zone in self.zones]


@dataclass
class Placed:
    """What a placement built, as the component's outputs need it."""

    instance_ids: list[pulumi.Output[str]] = field(default_factory=list)
    private_ips: list[pulumi.Output[str]] = field(default_factory=list)
    group_id: pulumi.Output[str] | None = None
    node_pool_id: pulumi.Output[str] | None = None
    cluster_id: pulumi.Input[str] | None = None
    kubeconfig: pulumi.Input[str] | None = None


class CloudCompute(Protocol):
    def standalone(self, ctx: PoolContext) -> Placed: ...

    def scaling_group(self, ctx: PoolContext) -> Placed: ...

    def kubernetes(self, ctx: PoolContext) -> Placed: ...


def cloud_compute(cloud: str) -> CloudCompute:
    """The cloud's implementation; its SDK is imported only now (an import costs about a second)."""
    module = importlib.import_module(f"inferfleet_gpu_instance._{cloud}")
    compute: CloudCompute = module.COMPUTE
    return compute


TAINT_EFFECTS: dict[str, Mapping[str, str]] = {
    "aws": {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"},
}
"""Clouds that spell Kubernetes taint effects their own way; the others take them as Kubernetes does."""


def taint_effect(cloud: str, effect: str) -> str:
    return TAINT_EFFECTS.get(cloud, {}).get(effect, effect)


def kubeconfig_yaml(*, name: str, server: str, ca_data: str, user: Mapping[str, Any]) -> str:
    """A one-cluster kubeconfig document."""
    import yaml

    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
            "users": [{"name": name, "user": dict(user)}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
        },
        sort_keys=False,
    )
