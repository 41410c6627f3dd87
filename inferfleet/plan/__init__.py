"""THE plan model and its sources: the offline capture (mock runtime), `pulumi preview --json`, CrossGuard."""

from typing import TYPE_CHECKING, Any

from inferfleet.plan.finish import check_plan, finish_plan
from inferfleet.plan.load import DEFAULT_MAX_PLAN_BYTES, load_plan, with_base
from inferfleet.plan.model import (
    FLEET_CONFIG_KEY,
    PLAN_FORMAT,
    SECRET,
    UNKNOWN,
    Plan,
    PlanResource,
    ResourceOptions,
    StackSettings,
    dumps,
)

if TYPE_CHECKING:
    from inferfleet.plan.planner import Planner, plan_program


def __getattr__(name: str) -> Any:
    # The planner pulls in the stack spec and the Pulumi runtime (most of a second): only commands
    # that plan pay for it; one that reads a plan file (gate, diff, render of a file) does not.
    if name in ("Planner", "plan_program"):
        from inferfleet.plan import planner

        return getattr(planner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_PLAN_BYTES",
    "FLEET_CONFIG_KEY",
    "PLAN_FORMAT",
    "SECRET",
    "UNKNOWN",
    "Plan",
    "PlanResource",
    "Planner",
    "ResourceOptions",
    "StackSettings",
    "check_plan",
    "dumps",
    "finish_plan",
    "load_plan",
    "plan_program",
    "with_base",
]
