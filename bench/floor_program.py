"""The floor of bench/plan_scale.py: a plan's custom resources registered directly with the
provider SDK classes under Pulumi's stock mock runtime (`pulumi.runtime.set_mocks`), with no
inferfleet code at all.

Usage: python bench/floor_program.py PLAN.json   (prints the number of resources registered)
"""

from __future__ import annotations

import importlib
import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks

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
    """`huaweicloud:Ecs/instance:Instance` -> pulumi_huaweicloud.ecs.Instance."""
    package, module, name = type_token.split(":")
    if package == "pulumi":  # pulumi:providers:<package>
        return importlib.import_module(PACKAGES[name]).Provider
    parts = module.split("/")
    if package != "kubernetes":
        parts = parts[:1]
    path = ".".join(part.lower() + ("_" if keyword.iskeyword(part.lower()) else "") for part in parts)
    return getattr(importlib.import_module(f"{PACKAGES[package]}.{path}"), name)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def main(plan_path: str) -> int:
    document = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    pulumi.runtime.set_mocks(EchoMocks(), project=document["project"], stack=document["stack"], preview=True)
    providers: dict[str, pulumi.ProviderResource] = {}
    registered = 0

    def register() -> None:
        nonlocal registered
        custom = [r for r in document["resources"] if r["custom"] and r["op"] == "create"]
        # Providers first, so resources can name theirs.
        for resource in sorted(custom, key=lambda r: not r["type"].startswith("pulumi:providers:")):
            cls = sdk_class(resource["type"])
            kwargs = {snake(key): value for key, value in resource["inputs"].items() if not key.startswith("__")}
            provider = providers.get(resource["provider"] or "")
            created = cls(resource["name"], opts=pulumi.ResourceOptions(provider=provider), **kwargs)
            if resource["type"].startswith("pulumi:providers:"):
                providers[resource["urn"]] = created
            registered += 1

    pulumi.runtime.mocks.test(register)()
    print(registered)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
