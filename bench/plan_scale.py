"""How does `inferfleet plan` compare with bare Pulumi, the floor, as stacks grow?

For synthetic stacks of about 100, 1,000, 5,000 and 10,000 resources (the reference stack
staging-cn-south with its standalone GPU pool scaled: one resource per node, in pools of at most
1,000 nodes; planned through bench/uncapped_plan.py, see there), three programs are
run in fresh processes, alternating (A B C A B C ...), and measured by the kernel (bench/paired.py):

- **inferfleet plan**: the console script end to end: interpreter start, imports, stack-file
  validation, composition through the modules under the mock runtime (as tuned by
  inferfleet/plan/runtime.py), the plan document written to a file, exit.
- **floor, stock**: bench/floor_program.py: the same custom resources registered directly with the
  provider SDK classes under Pulumi's stock mock runtime (`pulumi.runtime.set_mocks`), no inferfleet
  code, stock garbage collection. Its input is the plan file, read before registering.
- **floor + GC policy**: the same floor under the plan runtime's collector policy and exit. The
  gap between the two floors is what the collector policy alone is worth; the gap between the
  plan and this floor is the rest of our runtime (no stack traces, linear drain) net of our own work.

Then `inferfleet plan --all` over --all-stacks stacks of about --all-size resources each, against
one `inferfleet plan -s` process per stack run one after the other (their times summed).

Targets (bench, not tests), as issue 14 sets them: plan <= 0.5x the stock floor in CPU and peak RSS
<= 1.0x the floor at 1,000 and 5,000 resources; marginal CPU per resource at 10,000 <= 1.1x that at
1,000. The RSS ratio at the other sizes is printed in the table and judged by nobody: at 100 resources
it is the imports (the CLI's typer, rich and pydantic besides the SDKs the floor loads).

    .venv/bin/python bench/plan_scale.py [--sizes 100 1000 5000 10000] [--repeats 3]
                                         [--all-stacks 50] [--all-size 200] [--all-repeats 1]
"""

from __future__ import annotations

import argparse
import copy
import functools
import itertools
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from paired import REPO, Sample, alternate, header, median_cpu, peak_rss, run, table, verdict

TEMPLATE_STACK = "staging-cn-south"
"""A reference stack with one standalone pool: each node is one resource, so the plan grows linearly."""
POOL_NODES = 1000
"""Nodes per synthetic pool (the spec's largest pool size)."""
CPU_TARGET = 0.5
MEMORY_TARGET = 1.0
MARGINAL_TARGET = 1.1


def write_stack(stacks: Path, name: str, nodes: int) -> None:
    """The template stack with `nodes` standalone nodes, in pools of at most POOL_NODES."""
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{TEMPLATE_STACK}.yaml").read_text())
    config = copy.deepcopy(document["config"])
    template = config["inference-fleet:fleet"]["pools"][0]
    pools = []
    for index, start in enumerate(range(0, nodes, POOL_NODES)):
        size = min(POOL_NODES, nodes - start)
        pool = {**template, "count": size, "min_count": size, "max_count": size}
        if index:
            pool["name"] = f"{template['name']}{index}"
        pools.append(pool)
    config["inference-fleet:fleet"]["pools"] = pools
    (stacks / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))


def plan_command(stacks: Path, name: str, out: Path) -> list[str]:
    """`inferfleet plan -s NAME`, through bench/uncapped_plan.py (the console script with the spec's caps on
    standalone nodes raised, so that synthetic stacks can be this large)."""
    plan = ["plan", "-s", name, "--stacks-dir", str(stacks), "--out", str(out)]
    return [sys.executable, str(REPO / "bench" / "uncapped_plan.py"), *plan]


def resource_count(plan_file: Path) -> int:
    return len(json.loads(plan_file.read_text())["resources"])


def pool_sizer(scratch: Path) -> Callable[[int], int]:
    """Plans the template with 1 and 2 nodes; returns the pool size whose plan has about N resources."""
    stacks = scratch / "probes"
    stacks.mkdir()
    counts = {}
    for nodes in (1, 2):
        write_stack(stacks, f"probe-{nodes}", nodes)
        out = scratch / f"probe-{nodes}.json"
        run(plan_command(stacks, f"probe-{nodes}", out))
        counts[nodes] = resource_count(out)
    per_node = counts[2] - counts[1]
    if per_node <= 0:
        sys.exit(f"{TEMPLATE_STACK}: its plan does not grow with the pool size; pick another template stack")
    return lambda target: max(1, round((target - (counts[1] - per_node)) / per_node))


def scale(sizes: list[int], repeats: int, scratch: Path, nodes_for: Callable[[int], int]) -> bool:
    stacks = scratch / "stacks"
    stacks.mkdir()
    medians: dict[int, float] = {}
    met = []
    for target in sizes:
        name = f"bench-{target}"
        write_stack(stacks, name, nodes_for(target))
        plan_file = scratch / f"{name}.plan.json"
        run(plan_command(stacks, name, plan_file))
        resources = resource_count(plan_file)
        floor = [sys.executable, str(REPO / "bench" / "floor_program.py"), str(plan_file)]
        rows = alternate(
            {
                "floor, stock": functools.partial(run, floor),
                "floor + GC policy": functools.partial(run, [*floor, "--gc-policy"]),
                "inferfleet plan": functools.partial(run, plan_command(stacks, name, scratch / "timed.plan.json")),
            },
            repeats,
        )
        table(rows, baseline="floor, stock", label=f"{resources} resources")
        plan_rows, floor_rows = rows["inferfleet plan"], rows["floor, stock"]
        medians[resources] = median_cpu(plan_rows)
        if 1000 <= target <= 5000:
            ratio = median_cpu(plan_rows) / median_cpu(floor_rows)
            met.append(verdict(f"CPU plan/floor at {resources}", ratio, CPU_TARGET))
            memory = peak_rss(plan_rows) / peak_rss(floor_rows)
            met.append(verdict(f"peak RSS plan/floor at {resources}", memory, MEMORY_TARGET))
    counts = sorted(medians)
    if len(counts) >= 3:
        # Marginal CPU per resource: the slope from the next smaller size, at about 1,000 and at the largest size.
        slopes = {high: (medians[high] - medians[low]) / (high - low) for low, high in itertools.pairwise(counts)}
        near_thousand = min(slopes, key=lambda n: abs(n - 1000))
        largest = counts[-1]
        print(
            f"  marginal CPU per resource: {slopes[near_thousand] * 1000:.2f} ms at {near_thousand}, "
            f"{slopes[largest] * 1000:.2f} ms at {largest}"
        )
        met.append(verdict("marginal CPU, largest / ~1,000", slopes[largest] / slopes[near_thousand], MARGINAL_TARGET))
    return all(met)


def plan_all(stacks_count: int, nodes: int, repeats: int, scratch: Path) -> None:
    stacks = scratch / "many"
    stacks.mkdir()
    names = [f"fleet-{index:02d}" for index in range(stacks_count)]
    for name in names:
        write_stack(stacks, name, nodes)
    out = scratch / "all"

    def one_process_per_stack() -> Sample:
        total = run(plan_command(stacks, names[0], out / f"{names[0]}.plan.json"))
        for name in names[1:]:
            total += run(plan_command(stacks, name, out / f"{name}.plan.json"))
        return total

    rows = alternate(
        {
            f"{stacks_count} x plan -s (summed)": one_process_per_stack,
            "plan --all (one process)": lambda: run(
                [
                    sys.executable,
                    str(REPO / "bench" / "uncapped_plan.py"),
                    *("plan", "--all", "--stacks-dir", str(stacks), "--out", str(out)),
                ]
            ),
        },
        repeats,
    )
    resources = resource_count(out / f"{names[0]}.plan.json")
    table(rows, baseline=f"{stacks_count} x plan -s (summed)", label=f"{stacks_count} stacks x {resources} resources")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 10000], help="Resource counts.")
    parser.add_argument("--repeats", type=int, default=3, help="Paired runs per size (default 3).")
    parser.add_argument("--all-stacks", type=int, default=50, help="Stacks for the plan --all comparison (0: skip).")
    parser.add_argument("--all-size", type=int, default=200, help="Resources per stack for plan --all.")
    parser.add_argument("--all-repeats", type=int, default=1, help="Paired runs for plan --all (default 1).")
    options = parser.parse_args()
    header(
        "plan_scale: inferfleet plan against the bare-Pulumi floor",
        included="process start to exit for every figure; the floor reads the plan file, the plan writes it",
        repeats=options.repeats,
    )
    with tempfile.TemporaryDirectory(prefix="inferfleet-bench-") as folder:
        scratch = Path(folder)
        nodes_for = pool_sizer(scratch)
        met = scale(options.sizes, options.repeats, scratch, nodes_for)
        if options.all_stacks:
            plan_all(options.all_stacks, nodes_for(options.all_size), options.all_repeats, scratch)
    print(f"plan_scale targets: {'all met' if met else 'NOT all met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
