"""Put one stack's review together: its diff, the gate's violations, the cost and the picture."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from inferfleet.diff.model import StackDiff
from inferfleet.gate.decide import GateResult
from inferfleet.plan.model import Plan
from inferfleet.review.comment import CostRow, Review, StackCost, StackReview, Violation
from inferfleet.review.cost import CostDelta, CostLine, LineDelta, cost_delta, format_amounts
from inferfleet.review.graph import picture, to_mermaid
from inferfleet.review.prices import PriceTable
from inferfleet.review.topology import compare, merged, topology


def topology_mermaid(base: Plan | None, head: Plan, diff: StackDiff) -> str:
    """The head's topology with what the change adds, removes, replaces or changes coloured."""
    head_view = topology(head)
    base_view = topology(base) if base is not None else None
    replaced = frozenset(change["urn"] for change in diff["changes"] if change["op"] == "replace")
    statuses = compare(base_view, head_view, replaced_urns=replaced)
    return to_mermaid(picture(merged(base_view, head_view), statuses))


def violations(found: Iterable[Mapping[str, Any]]) -> tuple[Violation, ...]:
    """Gate violations (the gate's result or its `--json` report) as the comment lists them."""
    return tuple(
        Violation(
            policy_id=str(item.get("policy_id", "")),
            enforcement=str(item.get("enforcement", "")),
            urn=str(item.get("urn", "")),
            message=str(item.get("message", "")),
            remediation=str(item.get("remediation", "")),
        )
        for item in found
    )


def _amount(line: CostLine | None) -> str:
    if line is None:
        return "—"
    hourly = line.hourly
    if hourly is None or line.currency is None:
        return f"unknown ({line.unknown_reason or 'no price'})"
    return format_amounts({line.currency: hourly})


def _item(line: LineDelta) -> str:
    side = line.head if line.head is not None else line.base
    assert side is not None  # a line is on one side at least
    return side.item or side.name


def _line_delta(line: LineDelta) -> str:
    return format_amounts(line.delta(), signed=True) if line.known else "unknown"


def stack_cost(delta: CostDelta, *, today: date) -> StackCost:
    """The comment's view of a stack's hourly cost: changed lines, totals, and how far to trust them."""
    rows = [
        CostRow(item=_item(line), base=_amount(line.base), head=_amount(line.head), delta=_line_delta(line))
        for line in delta.changed
    ]
    base_total = format_amounts(delta.base.totals) if delta.base is not None else "—"
    rows.append(
        CostRow("total", base_total, format_amounts(delta.head.totals), format_amounts(delta.delta, signed=True))
    )
    facts = delta.facts()
    notes = []
    if facts.priced_lines:
        notes.append(f"{facts.estimate_lines} of {facts.priced_lines} prices are estimates (catalog list prices)")
        age = facts.oldest_age_days(today)
        if facts.oldest_fetched is not None and age is not None:
            notes.append(f"oldest price fetched {facts.oldest_fetched.isoformat()} ({age} days ago)")
    for line in delta.unknown:
        notes.append(f"cost unknown for {line.name}: {line.unknown_reason or 'no price in the table'}")
    summary = format_amounts(delta.delta, signed=True) + ("" if delta.complete else " (incomplete: see unknown lines)")
    return StackCost(delta=summary, rows=tuple(rows), notes=tuple(notes))


def stack_review(
    base: Plan | None,
    head: Plan,
    diff: StackDiff,
    *,
    gate_violations: Iterable[Mapping[str, Any]] = (),
    cost: StackCost | None = None,
) -> StackReview:
    return StackReview(
        diff=diff,
        violations=violations(gate_violations),
        cost=cost,
        mermaid=topology_mermaid(base, head, diff),
    )


class ReviewCollector:
    """Collects each compared stack (as `compute_diff`'s observer) and writes the review comment."""

    def __init__(self, *, prices: PriceTable | None, today: date) -> None:
        self._prices = prices
        self._today = today
        self._compared: list[tuple[Plan | None, Plan, StackDiff]] = []

    def __call__(self, base: Plan | None, head: Plan, diff: StackDiff) -> None:
        self._compared.append((base, head, diff))

    def review(self, head_commit: str, gate_results: Mapping[str, GateResult]) -> Review:
        reviews = []
        for base, head, diff in self._compared:
            result = gate_results.get(diff["stack"])
            cost = (
                stack_cost(cost_delta(base, head, self._prices), today=self._today)
                if self._prices is not None
                else None
            )
            found = result.violations if result is not None else []
            reviews.append(stack_review(base, head, diff, gate_violations=found, cost=cost))
        return Review(head=head_commit, stacks=tuple(reviews))
