"""What a plan costs per hour, from its resources and the price table; the delta between two plans.

A GPU pool's cost is its flavor's hourly price times its node count: a Kubernetes node pool, a
scaling group (whose flavor sits on its scaling configuration), or standalone instances. Other
resource types cost what the table prices them at per resource (e.g. an EKS control plane).

Amounts are Decimal and stay per currency (CNY, USD): nothing converts. A resource whose flavor
has no price, or whose node count is only known after apply, has an unknown cost, said so, and
counts as neither zero nor anything else: a total over such a plan is marked incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from inferfleet.plan.model import UNKNOWN, Plan, PlanResource
from inferfleet.review.prices import PriceRow, PriceTable

NOT_RUNNING_OPS = frozenset({"delete", "discard", "read", "read-discard", "read-replacement"})
"""Steps after which the resource does not run (a deleted one, or one only read)."""


@dataclass(frozen=True)
class Pricing:
    """Where a counted resource type keeps its flavor, node count and billing mode.

    Paths are dotted input paths; a list's first element stands for it (the primary instance type).
    `count_from` names the type of a partner resource holding the count (a scaling group), linked
    to this one by a dependency either way.
    """

    flavor: tuple[str, ...]
    count: tuple[str, ...] = ()
    fixed_count: int | None = None
    count_from: str | None = None
    billing: tuple[str, ...] = ()
    pool_only_with_partner: bool = False
    """A launch template is a pool only when a scaling group launches it (an EKS node group's template is not)."""


POOL_PRICING: dict[str, Pricing] = {
    "huaweicloud:Cce/nodePool:NodePool": Pricing(
        flavor=("flavorId",), count=("initialNodeCount", "minNodeCount"), billing=("chargingMode",)
    ),
    "huaweicloud:Ecs/instance:Instance": Pricing(flavor=("flavorId",), fixed_count=1, billing=("chargingMode",)),
    "huaweicloud:As/configuration:Configuration": Pricing(
        flavor=("instanceConfig.flavor",),
        count=("desireInstanceNumber", "minInstanceNumber"),
        count_from="huaweicloud:As/group:Group",
    ),
    "alicloud:cs/nodePool:NodePool": Pricing(
        flavor=("instanceTypes",),
        count=("desiredSize", "scalingConfig.minSize", "nodeCount"),
        billing=("spotStrategy", "instanceChargeType"),
    ),
    "alicloud:ess/scalingConfiguration:ScalingConfiguration": Pricing(
        flavor=("instanceType", "instanceTypes"),
        count=("desiredCapacity", "minSize"),
        count_from="alicloud:ess/scalingGroup:ScalingGroup",
        billing=("spotStrategy",),
    ),
    "alicloud:ecs/instance:Instance": Pricing(
        flavor=("instanceType",), fixed_count=1, billing=("spotStrategy", "instanceChargeType")
    ),
    "tencentcloud:Kubernetes/nodePool:NodePool": Pricing(
        flavor=("autoScalingConfig.instanceType",),
        count=("desiredCapacity", "minSize"),
        billing=("autoScalingConfig.instanceChargeType",),
    ),
    "tencentcloud:Instance/instance:Instance": Pricing(
        flavor=("instanceType",), fixed_count=1, billing=("instanceChargeType",)
    ),
    "aws:eks/nodeGroup:NodeGroup": Pricing(
        flavor=("instanceTypes",),
        count=("scalingConfig.desiredSize", "scalingConfig.minSize"),
        billing=("capacityType",),
    ),
    "aws:ec2/instance:Instance": Pricing(flavor=("instanceType",), fixed_count=1),
    "aws:ec2/launchTemplate:LaunchTemplate": Pricing(
        flavor=("instanceType",),
        count=("desiredCapacity", "minSize"),
        count_from="aws:autoscaling/group:Group",
        billing=("instanceMarketOptions.marketType",),
        pool_only_with_partner=True,
    ),
    "tencentcloud:As/scalingConfig:ScalingConfig": Pricing(
        flavor=("instanceTypes",),
        count=("desiredCapacity", "minSize"),
        count_from="tencentcloud:As/scalingGroup:ScalingGroup",
        billing=("instanceChargeType",),
    ),
}

BILLING_WORDS: dict[str, str] = {
    # Huawei chargingMode, Alibaba instanceChargeType/spotStrategy, Tencent instanceChargeType, AWS capacityType.
    "postPaid": "on-demand",
    "prePaid": "subscription",
    "spot": "spot",  # Huawei chargingMode, AWS launch template instanceMarketOptions.marketType
    "PostPaid": "on-demand",
    "PrePaid": "subscription",
    "NoSpot": "on-demand",
    "SpotWithPriceLimit": "spot",
    "SpotAsPriceGo": "spot",
    "POSTPAID_BY_HOUR": "on-demand",
    "PREPAID": "subscription",
    "SPOTPAID": "spot",
    "ON_DEMAND": "on-demand",
    "SPOT": "spot",
}


@dataclass(frozen=True)
class CostLine:
    """One priced resource of a plan: a GPU pool, an instance, a priced resource."""

    urn: str
    name: str
    resource_type: str
    kind: str
    item: str | None
    billing: str
    count: int | None
    unit_price: Decimal | None
    currency: str | None
    estimate: bool | None
    fetched: date | None
    unknown_reason: str | None = None
    count_basis: str | None = None
    """Where the count comes from: an input path of the resource (or of its scaling group), `instance`, `resource`.

    A pool that autoscales is counted at its desired size, else at its minimum (`scalingConfig.minSize`).
    """

    @property
    def hourly(self) -> Decimal | None:
        if self.unit_price is None or self.count is None:
            return None
        return self.unit_price * self.count


@dataclass(frozen=True)
class PlanCost:
    stack: str
    cloud: str
    region: str
    lines: tuple[CostLine, ...]

    @property
    def totals(self) -> dict[str, Decimal]:
        """Known hourly amounts per currency (unknown lines are left out: see `unknown`)."""
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            hourly = line.hourly
            if hourly is not None and line.currency is not None:
                totals[line.currency] = totals.get(line.currency, Decimal(0)) + hourly
        return dict(sorted(totals.items()))

    @property
    def unknown(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if line.hourly is None)

    @property
    def complete(self) -> bool:
        return not self.unknown


@dataclass(frozen=True)
class LineDelta:
    """A resource's hourly cost before and after (None on the side where it is absent)."""

    urn: str
    base: CostLine | None
    head: CostLine | None

    @property
    def known(self) -> bool:
        return all(line is None or line.hourly is not None for line in (self.base, self.head))

    def delta(self) -> dict[str, Decimal]:
        """Head minus base per currency; empty when either side is unknown."""
        if not self.known:
            return {}
        amounts: dict[str, Decimal] = {}
        for line, sign in ((self.head, 1), (self.base, -1)):
            if line is not None and line.hourly is not None and line.currency is not None:
                amounts[line.currency] = amounts.get(line.currency, Decimal(0)) + sign * line.hourly
        return amounts


@dataclass(frozen=True)
class PriceFacts:
    """How trustworthy the prices behind a cost are."""

    priced_lines: int
    estimate_lines: int
    oldest_fetched: date | None
    newest_fetched: date | None

    def oldest_age_days(self, today: date) -> int | None:
        return None if self.oldest_fetched is None else (today - self.oldest_fetched).days


@dataclass(frozen=True)
class CostDelta:
    """The hourly cost of a stack at base and head, and what changes."""

    stack: str
    base: PlanCost | None
    head: PlanCost
    lines: tuple[LineDelta, ...]

    @property
    def delta(self) -> dict[str, Decimal]:
        """Head total minus base total per currency, over the lines whose cost is known on both sides."""
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            for currency, amount in line.delta().items():
                totals[currency] = totals.get(currency, Decimal(0)) + amount
        return dict(sorted(totals.items()))

    @property
    def complete(self) -> bool:
        """Whether every priced resource on both sides has a known cost (so the delta is the whole delta)."""
        return all(line.known for line in self.lines)

    @property
    def unknown(self) -> tuple[CostLine, ...]:
        sides = (*(self.base.lines if self.base else ()), *self.head.lines)
        return tuple(line for line in sides if line.hourly is None)

    @property
    def changed(self) -> tuple[LineDelta, ...]:
        return tuple(line for line in self.lines if not line.known or any(line.delta().values()))

    def facts(self) -> PriceFacts:
        sides = (*(self.base.lines if self.base else ()), *self.head.lines)
        priced = [line for line in sides if line.fetched is not None]
        dates = [line.fetched for line in priced if line.fetched is not None]
        return PriceFacts(
            priced_lines=len(priced),
            estimate_lines=sum(1 for line in priced if line.estimate),
            oldest_fetched=min(dates, default=None),
            newest_fetched=max(dates, default=None),
        )


def _value(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _first(inputs: Mapping[str, Any], paths: Iterable[str]) -> Any:
    for path in paths:
        value = _value(inputs, path)
        if value is not None:
            return value
    return None


def _billing(inputs: Mapping[str, Any], paths: Iterable[str]) -> str:
    """The billing mode the inputs ask for: a spot strategy wins over the charge type; on-demand by default."""
    modes = [BILLING_WORDS.get(str(_value(inputs, path))) for path in paths]
    if "spot" in modes:
        return "spot"
    return next((mode for mode in modes if mode is not None), "on-demand")


def _partner(resource: PlanResource, partner_type: str, resources: list[PlanResource]) -> PlanResource | None:
    linked = [
        other
        for other in resources
        if other["type"] == partner_type
        and (other["urn"] in resource["dependencies"] or resource["urn"] in other["dependencies"])
    ]
    return linked[0] if len(linked) == 1 else None


def _count(
    resource: PlanResource, pricing: Pricing, resources: list[PlanResource]
) -> tuple[int | None, str | None, str | None]:
    """(count, why it is unknown, where it came from)."""
    if pricing.fixed_count is not None:
        return pricing.fixed_count, None, "instance"
    holder = resource
    if pricing.count_from is not None:
        partner = _partner(resource, pricing.count_from, resources)
        if partner is None:
            return None, f"no single {pricing.count_from} linked to it holds the node count", None
        holder = partner
    basis = next((path for path in pricing.count if _value(holder["inputs"], path) is not None), None)
    count = _value(holder["inputs"], basis) if basis else None
    if count == UNKNOWN:
        return None, "the node count is only known after apply", basis
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None, f"no node count in {', '.join(pricing.count)}", basis
    return count, None, basis


def _line(
    resource: PlanResource,
    *,
    kind: str,
    item: str | None,
    billing: str,
    count: int | None,
    cloud: str,
    region: str,
    prices: PriceTable,
    reason: str | None,
    count_basis: str | None,
) -> CostLine:
    row: PriceRow | None = None
    if reason is None and item is not None:
        row = prices.lookup(cloud, region, kind, item, billing)
        if row is None:
            reason = f"no {billing} price for {item} in {cloud} {region} in {prices.file}"
    return CostLine(
        urn=resource["urn"],
        name=resource["name"],
        resource_type=resource["type"],
        kind=kind,
        item=item,
        billing=billing,
        count=count,
        unit_price=row.price if row else None,
        currency=row.currency if row else None,
        estimate=row.estimate if row else None,
        fetched=row.fetched if row else None,
        unknown_reason=reason,
        count_basis=count_basis,
    )


def plan_cost(plan: Plan, prices: PriceTable) -> PlanCost:
    """The hourly cost of every priced resource of a plan."""
    cloud, region = plan["cloud"], plan["region"]
    resources = [resource for resource in plan["resources"] if resource["op"] not in NOT_RUNNING_OPS]
    priced_types = {row.item for row in prices.rows if row.kind == "resource"}
    lines: list[CostLine] = []
    for resource in resources:
        pricing = POOL_PRICING.get(resource["type"])
        if pricing is not None and pricing.pool_only_with_partner:
            assert pricing.count_from is not None
            if _partner(resource, pricing.count_from, resources) is None:
                continue
        if pricing is not None:
            flavor = _first(resource["inputs"], pricing.flavor)
            count, reason, basis = _count(resource, pricing, resources)
            if flavor == UNKNOWN:
                reason, flavor = reason or "the flavor is only known after apply", None
            elif not isinstance(flavor, str):
                reason, flavor = reason or f"no flavor in {', '.join(pricing.flavor)}", None
            lines.append(
                _line(
                    resource,
                    kind="flavor",
                    item=flavor,
                    billing=_billing(resource["inputs"], pricing.billing),
                    count=count,
                    cloud=cloud,
                    region=region,
                    prices=prices,
                    reason=reason,
                    count_basis=basis,
                )
            )
        elif resource["type"] in priced_types:
            lines.append(
                _line(
                    resource,
                    kind="resource",
                    item=resource["type"],
                    billing="on-demand",
                    count=1,
                    cloud=cloud,
                    region=region,
                    prices=prices,
                    reason=None,
                    count_basis="resource",
                )
            )
    return PlanCost(
        stack=plan["stack"], cloud=cloud, region=region, lines=tuple(sorted(lines, key=lambda line: line.urn))
    )


def cost_delta(base: Plan | None, head: Plan, prices: PriceTable) -> CostDelta:
    """The cost of head against base (None: the stack is new, everything is added)."""
    head_cost = plan_cost(head, prices)
    base_cost = plan_cost(base, prices) if base is not None else None
    base_lines = {line.urn: line for line in base_cost.lines} if base_cost else {}
    head_lines = {line.urn: line for line in head_cost.lines}
    lines = tuple(
        LineDelta(urn=urn, base=base_lines.get(urn), head=head_lines.get(urn))
        for urn in sorted(base_lines.keys() | head_lines.keys())
    )
    return CostDelta(stack=head["stack"], base=base_cost, head=head_cost, lines=lines)


def format_amounts(amounts: Mapping[str, Decimal], *, signed: bool = False) -> str:
    """`CNY 520.00, USD 2.11` (or `+CNY 21.00`): one term per currency, never added across currencies."""
    if not amounts:
        return "0"
    return ", ".join(
        f"{'+' if signed and amount > 0 else ''}{currency} {amount.quantize(Decimal('0.01'))}"
        for currency, amount in sorted(amounts.items())
    )


def fleet_delta(deltas: Iterable[CostDelta]) -> dict[str, Decimal]:
    """The hourly delta over several stacks, per currency (a CNY stack and a USD stack stay two amounts)."""
    totals: dict[str, Decimal] = {}
    for delta in deltas:
        for currency, amount in delta.delta.items():
            totals[currency] = totals.get(currency, Decimal(0)) + amount
    return dict(sorted(totals.items()))
