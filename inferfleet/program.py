"""The Pulumi program. `__main__.py` runs it under the engine; `inferfleet plan` under the mock runtime."""

from __future__ import annotations

import pulumi

from inferfleet import PROJECT
from inferfleet.compose.fleet import compose_fleet, export_outputs
from inferfleet.spec.load import parse_fleet


def main() -> None:
    stack = pulumi.get_stack()
    raw = pulumi.Config(PROJECT).require_object("fleet")
    fleet = parse_fleet(raw, f"stacks/Pulumi.{stack}.yaml")
    export_outputs(compose_fleet(fleet, stack=stack))
