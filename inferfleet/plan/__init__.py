"""Offline plans: the real program under Pulumi's mock runtime, captured as a plan document."""

from inferfleet.plan.document import PLAN_FORMAT, SECRET, UNKNOWN, dumps
from inferfleet.plan.planner import Planner, plan_program

__all__ = ["PLAN_FORMAT", "SECRET", "UNKNOWN", "Planner", "dumps", "plan_program"]
