"""How much does inferfleet add on top of Pulumi's own mock runtime when it plans a stack?

For synthetic stacks of about 100, 1,000 and 5,000 resources (a reference stack whose standalone
GPU pool is scaled), it measures the wall time and peak RSS of `inferfleet plan` (spec
validation, composition through the modules, capture, plan document) and, in the same run, of
the floor: bench/floor_program.py registering the very same custom resources directly with the
provider SDK classes under `pulumi.runtime.set_mocks`, with no inferfleet code. Each figure is
the median of --repeat runs in fresh processes. It also times `inferfleet plan --all` over the
reference stacks.

Targets: overhead <= 1.15x the floor in time and in memory; `plan --all` <= 10 s on 2 cores.

    .venv/bin/python bench/plan_scale.py [--sizes 100 1000 5000] [--repeat 3]
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE_STACK = "staging-cn-south"
"""A reference stack with one standalone pool: scaling its count scales the plan linearly."""
TIME_TARGET = 1.15
MEMORY_TARGET = 1.15
PLAN_ALL_TARGET_S = 10.0


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_rss_mib: float


def measure(command: list[str], workdir: Path) -> Run:
    """Run a command in a fresh process; its wall time and peak resident memory."""
    with open(workdir / "stdout", "wb") as stdout, open(workdir / "stderr", "wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{(workdir / 'stderr').read_text()[-2000:]}")
    return Run(wall_s=wall, peak_rss_mib=usage.ru_maxrss / 1024)


def median_run(command: list[str], workdir: Path, repeat: int) -> Run:
    runs = [measure(command, workdir) for _ in range(repeat)]
    return Run(
        wall_s=statistics.median(run.wall_s for run in runs),
        peak_rss_mib=statistics.median(run.peak_rss_mib for run in runs),
    )


def synthetic_stack(stacks: Path, count: int) -> str:
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{TEMPLATE_STACK}.yaml").read_text())
    config = copy.deepcopy(document["config"])
    pool = config["inference-fleet:fleet"]["pools"][0]
    pool.update(count=count, min_count=count, max_count=count)
    name = f"bench-{count}"
    (stacks / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return name


def plan(stacks: Path, name: str, out: Path, workdir: Path) -> dict[str, Any]:
    measure([str(BIN / "inferfleet"), "plan", "-s", name, "--stacks-dir", str(stacks), "--out", str(out)], workdir)
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def nodes_for(target: int, stacks: Path, workdir: Path) -> int:
    """The pool size whose plan has about `target` resources (plans are linear in the pool size)."""
    sizes = {}
    for count in (1, 2):
        document = plan(stacks, synthetic_stack(stacks, count), workdir / f"probe-{count}.json", workdir)
        sizes[count] = len(document["resources"])
    per_node = sizes[2] - sizes[1]
    if per_node <= 0:
        sys.exit(f"{TEMPLATE_STACK}: its plan does not grow with the pool size; pick another template stack")
    base = sizes[1] - per_node
    return max(1, round((target - base) / per_node))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000], help="Target resource counts.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per figure (median). Default: 3.")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="inferfleet-bench-") as scratch:
        workdir = Path(scratch)
        stacks = workdir / "stacks"
        stacks.mkdir()
        print(f"plan_scale: python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {options.repeat} runs")
        columns = ("resources", "plan s", "floor s", "time x", "plan MiB", "floor MiB", "mem x")
        print("  ".join(f"{column:>9}" for column in columns))
        verdicts = []
        for target in options.sizes:
            name = synthetic_stack(stacks, nodes_for(target, stacks, workdir))
            plan_file = workdir / f"{name}.plan.json"
            toolkit_command = [str(BIN / "inferfleet"), "plan", "-s", name, "--stacks-dir", str(stacks)]
            toolkit = median_run([*toolkit_command, "--out", str(plan_file)], workdir, options.repeat)
            resources = len(json.loads(plan_file.read_text())["resources"])
            floor_command = [sys.executable, str(REPO / "bench" / "floor_program.py"), str(plan_file)]
            floor = median_run(floor_command, workdir, options.repeat)
            time_ratio = toolkit.wall_s / floor.wall_s
            memory_ratio = toolkit.peak_rss_mib / floor.peak_rss_mib
            verdicts += [time_ratio <= TIME_TARGET, memory_ratio <= MEMORY_TARGET]
            figures = (toolkit.wall_s, floor.wall_s, time_ratio, toolkit.peak_rss_mib, floor.peak_rss_mib, memory_ratio)
            print(f"{resources:>9}  " + "  ".join(f"{figure:>9.2f}" for figure in figures))
        plan_all = median_run([str(BIN / "inferfleet"), "plan", "--all", "--stacks-dir", "stacks"], workdir, 1)
        verdicts.append(plan_all.wall_s <= PLAN_ALL_TARGET_S)
        print(f"plan --all, reference stacks: {plan_all.wall_s:.2f} s wall, {plan_all.peak_rss_mib:.0f} MiB peak")
        print(
            f"targets: time x <= {TIME_TARGET}, mem x <= {MEMORY_TARGET}, plan --all <= {PLAN_ALL_TARGET_S:.0f} s: "
            + ("all met" if all(verdicts) else "NOT all met")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
