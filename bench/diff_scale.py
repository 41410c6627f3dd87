"""How fast is `inferfleet diff` on large plans, next to a plain recursive dictionary comparison?

Two plans of 10,000 resources are built by repeating the resources of the reference stack
prod-cn-south under fresh URNs (as bench/gate_scale.py does), so the diff works on real resource
shapes. The head differs from the base in about 5% of its resources: in-place updates (a tag, a
nested setting), replacements (a replace-forcing input of the type, from replace_forcing.json),
deletions and creations.

- **diff**: `inferfleet.diff.diff_plans(base, head)`: resources matched by URN, property changes at
  nested paths with keyed list matching, ignore_changes, replacement detection (provider table and
  replaceOnChanges), stateful/protected flags, GPU capacity from the accelerator catalog, counts,
  implied bump. Everything the JSON document holds, without writing it.
- **plain**: the baseline: index both plans by URN and compare each pair's inputs recursively,
  collecting the changed leaf paths (no list keys, no replacement, no flags).

Both run on the same parsed plans in the same process, paired (diff, plain, diff, plain, ...);
parsing the files is not timed. Wall and CPU seconds, min/median/max over --repeat pairs.
Targets: diff <= 1 s and <= 3x the plain comparison.

    .venv/bin/python bench/diff_scale.py [--size 10000] [--changed 0.05] [--repeat 7]
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gate_scale import TEMPLATE_STACK, scaled_plan

from inferfleet.diff import diff_plans
from inferfleet.diff.model import Side
from inferfleet.diff.replacement import forcing_properties
from inferfleet.plan import Planner

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 1.0
TARGET_RATIO = 3.0
SIDE: Side = {"source": "plan", "ref": None, "stack_version": "1.0.0"}


def _set_first_forcing(resource: dict[str, Any], marker: str) -> bool:
    for prop in sorted(forcing_properties(resource["type"]) or ()):
        head, _, rest = prop.partition(".")
        if not rest and head in resource["inputs"] and isinstance(resource["inputs"][head], str | int):
            resource["inputs"][head] = f"{resource['inputs'][head]}-{marker}"
            return True
    return False


def changed_head(base: dict[str, Any], share: float, seed: int = 11) -> tuple[dict[str, Any], dict[str, int]]:
    """A copy of `base` with about `share` of its resources updated, replaced, deleted or created."""
    head = copy.deepcopy(base)
    rng = random.Random(seed)
    resources = head["resources"]
    picked = rng.sample(range(len(resources)), int(len(resources) * share))
    made = {"update": 0, "replace": 0, "delete": 0, "create": 0}
    deleted: set[int] = set()
    for position, index in enumerate(picked):
        resource = resources[index]
        kind = position % 10
        if kind < 6:  # 60% updates: a tag or a top-level setting
            tags = resource["inputs"].get("tags")
            if isinstance(tags, dict):
                tags["team"] = "gpu-platform"
            else:
                resource["inputs"]["description"] = "changed"
            made["update"] += 1
        elif kind < 8 and _set_first_forcing(resource, "v2"):
            made["replace"] += 1
        elif kind == 8:
            deleted.add(index)
            made["delete"] += 1
        else:
            clone = copy.deepcopy(resource)
            clone["urn"] += "-new"
            clone["name"] += "-new"
            resources.append(clone)
            made["create"] += 1
    head["resources"] = sorted((r for i, r in enumerate(resources) if i not in deleted), key=lambda r: r["urn"])
    return head, made


def plain_compare(base: dict[str, Any], head: dict[str, Any]) -> list[tuple[str, str]]:
    """The baseline: changed leaf paths of each resource's inputs, resources matched by URN."""
    changed: list[tuple[str, str]] = []

    def walk(urn: str, old: Any, new: Any, path: str) -> None:
        if old == new:
            return
        if isinstance(old, dict) and isinstance(new, dict):
            for key in old.keys() | new.keys():
                walk(urn, old.get(key), new.get(key), f"{path}.{key}")
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                walk(urn, a, b, f"{path}[{index}]")
        else:
            changed.append((urn, path))

    before = {r["urn"]: r for r in base["resources"]}
    after = {r["urn"]: r for r in head["resources"]}
    for urn in before.keys() | after.keys():
        walk(urn, before.get(urn, {}).get("inputs"), after.get(urn, {}).get("inputs"), "")
    return changed


def timed(function: Callable[[], Any]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def summary(label: str, runs: list[tuple[float, float]]) -> str:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    return (
        f"{label:<6} wall min/median/max {min(walls):.3f} / {statistics.median(walls):.3f} / {max(walls):.3f} s"
        f"   cpu {min(cpus):.3f} / {statistics.median(cpus):.3f} / {max(cpus):.3f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    template = Planner(REPO / "stacks").plan(TEMPLATE_STACK)
    base = scaled_plan(dict(template), args.size)
    head, made = changed_head(base, args.changed)
    diff = diff_plans(base, head, base_side=SIDE, head_side=SIDE)  # warm caches (kind table, catalog)
    plain = plain_compare(base, head)
    print(f"plans: {len(base['resources'])} base / {len(head['resources'])} head resources; changes made: {made}")
    print(f"diff found: {diff['counts']}; plain comparison found {len(plain)} changed leaves")
    print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("timed: the comparison only (plans parsed beforehand); paired runs diff, plain, diff, plain, ...")
    diff_runs: list[tuple[float, float]] = []
    plain_runs: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        diff_runs.append(timed(lambda: diff_plans(base, head, base_side=SIDE, head_side=SIDE)))
        plain_runs.append(timed(lambda: plain_compare(base, head)))
    print(summary("diff", diff_runs))
    print(summary("plain", plain_runs))
    diff_median = statistics.median(r[0] for r in diff_runs)
    ratio = diff_median / statistics.median(r[0] for r in plain_runs)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"diff median {diff_median:.3f} s (target <= {TARGET_S:g} s): {'met' if diff_median <= TARGET_S else 'MISSED'}"
    )
    print(f"diff / plain = {ratio:.2f}x (target <= {TARGET_RATIO:g}x): {'met' if ratio <= TARGET_RATIO else 'MISSED'}")
    return 0 if diff_median <= TARGET_S and ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
