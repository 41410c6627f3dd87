"""Hourly cost of plans and the delta between base and head, from the price table."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml
from stackfiles import REPO, STACKS

from inferfleet.review.cost import cost_delta, fleet_delta, format_amounts, plan_cost
from inferfleet.review.prices import COLUMNS, PRICES_FILE, load_prices, parse_table

TODAY = date(2026, 12, 2)
HEADER = ",".join(COLUMNS)
TABLE = f"""{HEADER}
huaweicloud,cn-south-1,flavor,physical.kat2ne.48xlarge.8.ei.pod101,on-demand,260,CNY,hour,catalog,2026-10-01,true
huaweicloud,cn-south-1,flavor,ai1s.large.4,on-demand,3.5,CNY,hour,catalog estimate,2026-10-01,true
huaweicloud,cn-north-4,flavor,p3.2xlarge.8,on-demand,41.25,CNY,hour,BSS ListOnDemandResourceRatings,2026-11-30,false
aws,us-west-2,flavor,g5.xlarge,on-demand,1.006,USD,hour,AWS Price List GetProducts,2026-12-01,false
aws,us-west-2,flavor,g5.xlarge,spot,0.4,USD,hour,catalog estimate,2026-11-01,true
aws,us-west-2,resource,aws:eks/cluster:Cluster,on-demand,0.10,USD,hour,EKS pricing page,2026-09-01,true
"""


def _resource(kind: str, name: str, inputs: dict[str, Any], dependencies: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:s::inference-fleet::{kind}::{name}",
        "type": kind,
        "name": name,
        "parent": None,
        "custom": True,
        "provider": None,
        "inputs": inputs,
        "dependencies": list(dependencies),
        "options": {},
        "op": "create",
        "module": "inferfleet-gpu-instance",
    }


def _plan(stack: str, cloud: str, region: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "inferfleet.plan/v1",
        "project": "inference-fleet",
        "stack": stack,
        "stack_version": "1.0.0",
        "env": "prod",
        "cloud": cloud,
        "region": region,
        "modules": {},
        "outputs": {},
        "resources": resources,
    }


def huawei_plan(nodes: int = 2, flavor: str = "physical.kat2ne.48xlarge.8.ei.pod101") -> dict[str, Any]:
    """The shape prod-cn-south's plan gives its Ascend node pool (inputs as the plan records them)."""
    pool = _resource(
        "huaweicloud:Cce/nodePool:NodePool",
        "ascend-node-pool",
        {
            "flavorId": flavor,
            "initialNodeCount": nodes,
            "minNodeCount": 2,
            "maxNodeCount": 4,
            "clusterId": "(known after apply)",
        },
    )
    return _plan("prod-cn-south", "huaweicloud", "cn-south-1", [pool])


def aws_plan(desired: Any = 2, capacity: str = "ON_DEMAND") -> dict[str, Any]:
    cluster = _resource("aws:eks/cluster:Cluster", "a10g-cluster", {"name": "prod-us-west-a10g"})
    group = _resource(
        "aws:eks/nodeGroup:NodeGroup",
        "a10g-node-group",
        {
            "instanceTypes": ["g5.xlarge"],
            "capacityType": capacity,
            "scalingConfig": {"desiredSize": desired, "maxSize": 8, "minSize": 2},
        },
    )
    return _plan("prod-us-west", "aws", "us-west-2", [cluster, group])


@pytest.fixture
def prices() -> Any:
    return parse_table(TABLE, "prices.csv", today=TODAY)


def test_a_node_pool_costs_its_flavor_times_its_node_count(prices: Any) -> None:
    cost = plan_cost(huawei_plan(nodes=2), prices)
    assert cost.totals == {"CNY": Decimal(520)}
    assert cost.complete
    (line,) = cost.lines
    assert (line.item, line.count, line.unit_price, line.estimate) == (
        "physical.kat2ne.48xlarge.8.ei.pod101",
        2,
        Decimal(260),
        True,
    )
    assert line.count_basis == "initialNodeCount"


def test_an_autoscaling_pool_without_a_desired_size_counts_its_minimum(prices: Any) -> None:
    plan = aws_plan()
    group = plan["resources"][1]
    del group["inputs"]["scalingConfig"]["desiredSize"]
    line = next(line for line in plan_cost(plan, prices).lines if line.resource_type == "aws:eks/nodeGroup:NodeGroup")
    assert (line.count, line.count_basis) == (2, "scalingConfig.minSize")


def test_scaling_a_pool_up_is_a_delta_in_its_currency_with_estimates_counted(prices: Any) -> None:
    delta = cost_delta(huawei_plan(nodes=2), huawei_plan(nodes=4), prices)
    assert delta.delta == {"CNY": Decimal(520)}
    assert delta.complete
    facts = delta.facts()
    assert (facts.priced_lines, facts.estimate_lines) == (2, 2)
    assert facts.oldest_age_days(TODAY) == 62
    assert format_amounts(delta.delta, signed=True) == "+CNY 520.00"


def test_two_currencies_stay_apart_and_refreshed_rows_are_not_estimates(prices: Any) -> None:
    huawei = cost_delta(huawei_plan(nodes=2), huawei_plan(nodes=3), prices)
    aws = cost_delta(aws_plan(desired=2), aws_plan(desired=5), prices)
    assert aws.delta == {"USD": Decimal("3.018")}
    assert fleet_delta([huawei, aws]) == {"CNY": Decimal(260), "USD": Decimal("3.018")}
    assert format_amounts(fleet_delta([huawei, aws]), signed=True) == "+CNY 260.00, +USD 3.02"
    facts = aws.facts()
    # The node group's price was fetched from the API; the EKS control plane is still an estimate.
    assert (facts.priced_lines, facts.estimate_lines) == (4, 2)
    assert facts.oldest_fetched == date(2026, 9, 1)
    assert facts.newest_fetched == date(2026, 12, 1)


def test_spot_capacity_is_priced_from_the_spot_row(prices: Any) -> None:
    cost = plan_cost(aws_plan(desired=2, capacity="SPOT"), prices)
    node_group = next(line for line in cost.lines if line.resource_type == "aws:eks/nodeGroup:NodeGroup")
    assert (node_group.billing, node_group.hourly) == ("spot", Decimal("0.8"))


def test_a_new_stack_adds_its_whole_cost(prices: Any) -> None:
    delta = cost_delta(None, aws_plan(), prices)
    assert delta.delta == {"USD": Decimal("2.112")}


def test_an_unknown_flavor_is_an_unknown_cost_never_zero(prices: Any) -> None:
    base = huawei_plan(nodes=2)
    head = huawei_plan(nodes=2, flavor="p9.mystery.8")
    cost = plan_cost(head, prices)
    (line,) = cost.lines
    assert line.hourly is None
    assert line.unknown_reason == "no on-demand price for p9.mystery.8 in huaweicloud cn-south-1 in prices.csv"
    assert cost.totals == {}
    assert not cost.complete
    delta = cost_delta(base, head, prices)
    assert not delta.complete
    assert delta.delta == {}  # the pool's change is unknown, not "-520"
    assert [line.item for line in delta.unknown] == ["p9.mystery.8"]


def test_a_node_count_known_only_after_apply_is_unknown(prices: Any) -> None:
    cost = plan_cost(aws_plan(desired="(known after apply)"), prices)
    node_group = next(line for line in cost.lines if line.resource_type == "aws:eks/nodeGroup:NodeGroup")
    assert node_group.hourly is None
    assert node_group.unknown_reason == "the node count is only known after apply"


def test_a_scaling_group_supplies_the_count_of_its_configuration(prices: Any) -> None:
    config = _resource(
        "huaweicloud:As/configuration:Configuration",
        "nvidia-scaling-config",
        {"instanceConfig": {"flavor": "p3.2xlarge.8"}},
    )
    group = _resource(
        "huaweicloud:As/group:Group",
        "nvidia-group",
        {"desireInstanceNumber": 3, "minInstanceNumber": 2},
        dependencies=(config["urn"],),
    )
    cost = plan_cost(_plan("prod-cn-north", "huaweicloud", "cn-north-4", [config, group]), prices)
    assert cost.totals == {"CNY": Decimal("123.75")}
    unlinked = plan_cost(_plan("prod-cn-north", "huaweicloud", "cn-north-4", [config]), prices)
    assert unlinked.lines[0].unknown_reason == (
        "no single huaweicloud:As/group:Group linked to it holds the node count"
    )


def test_a_deleted_pool_costs_nothing_at_head(prices: Any) -> None:
    head = huawei_plan(nodes=2)
    head["resources"][0]["op"] = "delete"
    delta = cost_delta(huawei_plan(nodes=2), head, prices)
    assert delta.delta == {"CNY": Decimal(-520)}


def test_the_shipped_table_has_every_catalog_offering_seeded() -> None:
    catalog = yaml.safe_load((REPO / "modules/gpu_instance/inferfleet_gpu_instance/catalog.yaml").read_text())
    table = load_prices()
    for cloud, entry in catalog["clouds"].items():
        for offering in entry["offerings"]:
            for region in offering["regions"]:
                row = table.lookup(cloud, region, "flavor", offering["flavor"], "on-demand")
                assert row is not None, (cloud, region, offering["flavor"])
                assert row.currency == entry["currency"]
                if row.estimate:  # a refreshed row has the cloud's price; a seeded one the catalog's
                    assert row.price == Decimal(str(offering["price_per_hour"]))


@pytest.mark.slow
def test_every_reference_stack_has_a_known_cost_with_the_shipped_table() -> None:
    from inferfleet.plan import Planner
    from inferfleet.spec import list_stacks

    planner = Planner(STACKS)
    table = load_prices(PRICES_FILE)
    for name in list_stacks(STACKS):
        cost = plan_cost(copy.deepcopy(planner.plan(name)), table)
        assert cost.lines, name
        assert cost.complete, (name, [line.unknown_reason for line in cost.unknown])


def test_an_aws_scaling_group_counts_the_flavor_of_its_launch_template_and_a_node_group_template_is_no_pool(
    prices: Any,
) -> None:
    template = _resource("aws:ec2/launchTemplate:LaunchTemplate", "a10g-launch-template", {"instanceType": "g5.xlarge"})
    group = _resource(
        "aws:autoscaling/group:Group",
        "a10g-group",
        {"desiredCapacity": 3, "minSize": 2, "maxSize": 6},
        dependencies=(template["urn"],),
    )
    cost = plan_cost(_plan("prod-us-west", "aws", "us-west-2", [template, group]), prices)
    assert cost.totals == {"USD": Decimal("3.018")}
    assert cost.lines[0].count_basis == "desiredCapacity"
    # An EKS node group's launch template (no scaling group launches it) is not priced a second time.
    eks = aws_plan()
    eks["resources"].append(
        _resource("aws:ec2/launchTemplate:LaunchTemplate", "a10g-node-template", {"blockDeviceMappings": []})
    )
    assert plan_cost(eks, prices).totals == plan_cost(aws_plan(), prices).totals
    assert plan_cost(eks, prices).complete
