"""THE plan model and its sources: the offline capture (mock runtime), `pulumi preview --json`, CrossGuard."""

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
from inferfleet.plan.planner import Planner, plan_program

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
