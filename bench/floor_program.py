"""The floor of bench/plan_scale.py: a plan's custom resources registered directly with the
provider SDK classes under Pulumi's stock mock runtime (`pulumi.runtime.set_mocks`), with no
inferfleet code at all.

The wiring is kept: a value the plan marks "(known after apply)" becomes the `id` Output of
one of the resource's dependencies, registered first, so the floor pays what any Pulumi
program pays for resources that depend on each other, and nothing of ours.

With --gc-policy the floor runs under the plan runtime's collector policy
(`inferfleet.plan.collector.collector_paused`: heap frozen, no cyclic collection during the run) and
exits as the inferfleet console script does (flush, then no teardown), and nothing else changes:
the difference between the two floors is what the collector policy alone is worth.

With --imports-only it imports the SDK class of every custom resource type of the plan, under the
same collector policy (it makes imports cheaper too), and stops: what any Pulumi program that
creates these resources pays before it registers one of them.

Usage: python bench/floor_program.py PLAN.json [--gc-policy | --imports-only]
(prints the number of resources registered, or of SDK classes imported)
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import keyword
import os
import re
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks

UNKNOWN = "(known after apply)"
PACKAGES = {
    "huaweicloud": "pulumi_huaweicloud",
    "alicloud": "pulumi_alicloud",
    "tencentcloud": "tencentcloud_iac_pulumi",
    "aws": "pulumi_aws",
    "kubernetes": "pulumi_kubernetes",
}


class EchoMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return None, args.inputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def sdk_class(type_token: str) -> Any:
    """`huaweicloud:Ecs/instance:Instance` -> pulumi_huaweicloud.ecs.Instance; None without a class."""
    package, module, name = type_token.split(":")
    if package == "pulumi":  # pulumi:providers:<package>
        return importlib.import_module(PACKAGES[name]).Provider
    if package not in PACKAGES:  # e.g. a dynamic resource
        return None
    parts = module.split("/")
    # Kubernetes groups are `<group>[.<domain>]/<version>`: networking.k8s.io/v1 -> networking.v1.
    parts = [parts[0].split(".")[0], *parts[1:]] if package == "kubernetes" else parts[:1]
    path = ".".join(part.lower() + ("_" if keyword.iskeyword(part.lower()) else "") for part in parts)
    try:
        return getattr(importlib.import_module(f"{PACKAGES[package]}.{path}"), name)
    except (ImportError, AttributeError):  # a custom resource kind, e.g. a ServiceMonitor
        return None


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def dependency_order(resources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Providers first, then every resource after the resources it depends on."""
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(urn: str) -> None:
        if urn in seen or urn not in resources:
            return
        seen.add(urn)
        for dependency in resources[urn]["dependencies"]:
            visit(dependency)
        ordered.append(resources[urn])

    for urn in sorted(resources, key=lambda urn: not resources[urn]["type"].startswith("pulumi:providers:")):
        visit(urn)
    return ordered


def wire(value: Any, unknown: Any) -> Any:
    """The plan's inputs with each unknown value replaced by a dependency's Output."""
    if value == UNKNOWN and unknown is not None:
        return unknown
    if isinstance(value, dict):
        return {key: wire(item, unknown) for key, item in value.items()}
    if isinstance(value, list):
        return [wire(item, unknown) for item in value]
    return value


def main(plan_path: str, *, gc_policy: bool = False) -> int:
    document = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    pulumi.runtime.set_mocks(EchoMocks(), project=document["project"], stack=document["stack"], preview=True)
    providers: dict[str, pulumi.ProviderResource] = {}
    registered = 0

    def register() -> None:
        nonlocal registered
        custom = {r["urn"]: r for r in document["resources"] if r["custom"] and r["op"] == "create"}
        created: dict[str, pulumi.CustomResource] = {}
        for resource in dependency_order(custom):
            dependency = next((created[urn] for urn in resource["dependencies"] if urn in created), None)
            inputs = wire(resource["inputs"], dependency.id if dependency is not None else None)
            kwargs = {snake(key): value for key, value in inputs.items() if not key.startswith("__")}
            provider = providers.get(resource["provider"] or "")
            cls = sdk_class(resource["type"])
            options = pulumi.ResourceOptions(provider=provider)
            if cls is None:
                instance = pulumi.CustomResource(resource["type"], resource["name"], inputs, options)
            else:
                instance = cls(resource["name"], opts=options, **kwargs)
            created[resource["urn"]] = instance
            if resource["type"].startswith("pulumi:providers:"):
                providers[resource["urn"]] = instance
            registered += 1

    if gc_policy:
        from inferfleet.plan.collector import collector_paused

        policy: contextlib.AbstractContextManager[None] = collector_paused()
    else:
        policy = contextlib.nullcontext()
    with policy:
        pulumi.runtime.mocks.test(register)()
    print(registered)
    return 0


def import_classes(plan_path: str) -> int:
    document = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    # collector_paused's policy, inline: importing inferfleet.plan for it would add its own imports.
    gc.freeze()
    gc.disable()
    classes = {sdk_class(r["type"]) for r in document["resources"] if r["custom"] and r["op"] == "create"}
    print(len(classes - {None}))
    return 0


if __name__ == "__main__":
    if sys.argv[2:] == ["--imports-only"]:
        sys.exit(import_classes(sys.argv[1]))
    if sys.argv[2:] == ["--gc-policy"]:
        main(sys.argv[1], gc_policy=True)
        sys.stdout.flush()
        os._exit(0)
    sys.exit(main(sys.argv[1]))
