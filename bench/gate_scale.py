"""How fast does the gate decide large plans, next to a naive conftest-style pipeline?

Plans of 1,000 and 10,000 resources are built by repeating the resources of the reference stack
prod-cn-south (its real plan: VPC, subnets, security-group rules, CCE node pool, Kubernetes
service objects, links), each copy under fresh URNs, so every policy works on real resource shapes.

- **gate (OPA server)**: the gate's path: read and check the plan file, build the policy input,
  ONE ad-hoc query on an `opa run --server` with every policy loaded (started once, outside the
  timing; its start-up time is printed separately), parse the verdict. Median of --repeat runs.
- **naive (`opa eval` per resource)**: what a conftest-style loop does: one `opa eval` process per
  resource, each loading the policies and deciding a one-resource plan. Running it 10,000 times
  would take many minutes on 2 cores, so it is timed on --sample resources and extrapolated
  linearly (the output says so); the sample is measured in this same run.

Targets: 10,000 resources decided in <= 1 s end to end; >= 10x faster than the naive pipeline.

    .venv/bin/python bench/gate_scale.py [--sizes 1000 10000] [--repeat 3] [--sample 20]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from inferfleet.gate import DEFAULT_POLICIES, OpaEngine, find_opa, load_plan, policy_input
from inferfleet.gate.engine import QUERY, parse_answer
from inferfleet.plan import Planner

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_STACK = "prod-cn-south"
TARGET_S = 1.0
TARGET_SPEEDUP = 10.0


def _rename(value: Any, suffix: str, urns: set[str]) -> Any:
    if isinstance(value, str):
        return value + suffix if value in urns else value
    if isinstance(value, list):
        return [_rename(v, suffix, urns) for v in value]
    if isinstance(value, dict):
        return {k: _rename(v, suffix, urns) for k, v in value.items()}
    return value


def scaled_plan(template: dict[str, Any], size: int) -> dict[str, Any]:
    """The template plan's resources repeated under fresh URNs until the plan has `size` resources."""
    base = [r for r in template["resources"] if r["type"] != "pulumi:pulumi:Stack"]
    urns = {r["urn"] for r in base}
    resources: list[dict[str, Any]] = []
    copy_index = 0
    while len(resources) < size:
        suffix = f"-x{copy_index}"
        for resource in base[: size - len(resources)]:
            clone = _rename(copy.deepcopy(resource), suffix, urns)
            clone["name"] += suffix
            resources.append(clone)
        copy_index += 1
    return {**template, "resources": sorted(resources, key=lambda r: r["urn"])}


def gate_seconds(engine: OpaEngine, path: Path, repeat: int) -> tuple[float, int]:
    """Median wall time of read + check + one query + verdict, and the violation count."""
    times = []
    found = 0
    for _ in range(repeat):
        start = time.perf_counter()
        document = load_plan(str(path), max_bytes=1 << 30, stacks_dir=REPO / "stacks")
        answer = engine.client.ad_hoc_query(QUERY, input_data=policy_input(document))
        violations, _ = parse_answer(answer, engine.url)
        times.append(time.perf_counter() - start)
        found = len(violations)
    return statistics.median(times), found


def naive_seconds_per_resource(plan: dict[str, Any], sample: int, workdir: Path) -> float:
    """Mean wall time of one `opa eval` process deciding a one-resource plan (conftest-style)."""
    opa = str(find_opa())
    step = max(1, len(plan["resources"]) // sample)
    chosen = plan["resources"][::step][:sample]
    start = time.perf_counter()
    for index, resource in enumerate(chosen):
        single = workdir / f"resource-{index}.json"
        single.write_text(json.dumps({**policy_input({**plan, "resources": [resource]})}))
        subprocess.run(
            [
                opa,
                "eval",
                "--bundle",
                str(DEFAULT_POLICIES),
                "--ignore",
                "*_test.rego",
                "--input",
                str(single),
                "--format",
                "json",
                "[v | some name; some v in data[name].deny]",
            ],
            check=True,
            capture_output=True,
        )
    return (time.perf_counter() - start) / len(chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20, help="resources the naive pipeline is timed on")
    args = parser.parse_args()
    template = Planner(REPO / "stacks").plan(TEMPLATE_STACK)
    start = time.perf_counter()
    engine = OpaEngine.start(timeout=120)
    startup = time.perf_counter() - start
    met = True
    print(
        f"gate_scale: plans built from {TEMPLATE_STACK} ({len(template['resources'])} resources), "
        f"OPA {find_opa()}; OPA server start-up {startup:.2f} s (once, not in the figures below); "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    print(f"{'resources':>10} {'plan MB':>8} {'gate (server) s':>16} {'naive s (est.)':>15} {'speedup':>8}  verdicts")
    with engine, tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        per_resource = naive_seconds_per_resource(scaled_plan(template, 1000), args.sample, workdir)
        for size in args.sizes:
            plan = scaled_plan(template, size)
            path = workdir / f"plan-{size}.json"
            path.write_text(json.dumps(plan))
            seconds, found = gate_seconds(engine, path, args.repeat)
            naive = per_resource * size
            speedup = naive / seconds
            print(
                f"{size:>10} {path.stat().st_size / 1e6:>8.1f} {seconds:>16.3f} {naive:>15.1f} {speedup:>7.0f}x"
                f"  {found} violation(s)"
            )
            if size >= 10000:
                met = met and seconds <= TARGET_S and speedup >= TARGET_SPEEDUP
    print(
        f"naive: `opa eval` per resource timed on {args.sample} resources in this run "
        f"({per_resource * 1000:.0f} ms each) and extrapolated linearly to each plan size"
    )
    print(
        f"target: 10,000 resources <= {TARGET_S:.0f} s end to end and >= {TARGET_SPEEDUP:.0f}x the naive pipeline: "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
