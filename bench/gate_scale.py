"""How does `inferfleet gate` compare with one `opa eval` of the same policies over the same plan?

Plans of 1,000, 10,000 and 50,000 resources are built by repeating the resources of the reference
stack prod-cn-south (its real plan: VPC, subnets, security-group rules, CCE node pool, Kubernetes
service objects, links), each copy under fresh URNs, so every policy works on real resource shapes.
Each plan is written to a file once; then, alternating (A B A B ...), fresh processes measured by
the kernel (bench/paired.py):

- **inferfleet gate**: the console script end to end: interpreter start, imports, policy catalogue
  and policy-data checks, reading and validating the plan, its one-shot OPA process (`opa
  inferfleet-eval`: OPA start, bundle compile, reading the policy input from the gate, ONE query with
  the whole plan), the verdict, the JSON report on stdout, SARIF and JUnit files. OPA's CPU time is
  included (the gate waits for its OPA process).
- **gate, stock opa eval**, for context: the same gate with `--opa-bin` naming a copy of the same
  OPA binary, which the gate runs as any OPA (`opa eval --stdin-input`, GOGC=400): what the gate
  costs without `opa inferfleet-eval`'s input decoder and collector policy.
- **opa eval (whole plan)**, the fair baseline: ONE `opa eval` process with the same bundle and the
  plan file as input, the way conftest --combine decides a whole document: OPA start, bundle
  compile, reading the plan, evaluation, the answer printed.
- **opa eval, GOGC as the gate's OPA**: the same `opa eval` with the Go collector target the gate
  gives its OPA (inferfleet.gate.engine.OPA_GOGC), so the gain from that setting and the gain
  from the rest of the gate (a slimmer input, the Python side) are shown apart.
- **opa eval, reading the plan only**, a floor: the same `opa eval` asking `true`, so OPA starts,
  compiles the bundle and reads the plan (JSON decoding and conversion to Rego values) but evaluates
  no policy. Any gate that hands OPA the plan pays this much at OPA's side before deciding anything.
- **one evaluation per resource**, for context only: one `opa eval` process per resource over a
  one-resource plan (what a naive per-resource loop does). Timed on --sample resources in this run
  and EXTRAPOLATED linearly to each size; nobody should run it, and no target rests on it.

Targets: the gate <= 1.0x one `opa eval` (CPU) at 10,000 and 50,000 resources, <= 0.5x at 50,000.

The reference stack passes nearly every rule, so a last plan (--denied-size, no target) repeats a
policy fixture of the network exposure policy with 4 violations among its 7 resources: at 10,000
resources the gate reports 6,667 violations, and writing its reports is timed too.

    .venv/bin/python bench/gate_scale.py [--sizes 1000 10000 50000] [--repeats 3] [--sample 10]
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from paired import REPO, Sample, alternate, header, median_cpu, run, table, verdict

from inferfleet.gate import DEFAULT_POLICIES, find_opa
from inferfleet.gate.engine import OPA_GOGC, QUERY
from inferfleet.plan import Planner, dumps

TEMPLATE_STACK = "prod-cn-south"
DENIED_TEMPLATE = DEFAULT_POLICIES / "network_exposure" / "denied_public_endpoints_huaweicloud.json"
TARGETS = {10000: (1.0,), 50000: (1.0, 0.5)}
"""Resources -> the CPU ratios gate / opa eval to stay within."""
OPA_QUERY = "[v | some name; some v in data[name].deny]"
"""The violations of every loaded policy package: the first half of the gate's query."""
assert QUERY.startswith(f"violations := {OPA_QUERY};"), "the gate's query changed: update OPA_QUERY"


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


def opa_eval(opa: Path, input_file: Path, query: str = OPA_QUERY) -> list[str]:
    bundle = ["--bundle", str(DEFAULT_POLICIES), "--ignore", "*_test.rego"]
    return [str(opa), "eval", *bundle, "--input", str(input_file), "--format", "json", query]


def per_resource_cpu(opa: Path, plan: dict[str, Any], sample: int, workdir: Path) -> float:
    """Median CPU seconds of one `opa eval` process over a one-resource plan, on `sample` resources."""
    step = max(1, len(plan["resources"]) // sample)
    times = []
    for index, resource in enumerate(plan["resources"][::step][:sample]):
        single = workdir / f"resource-{index}.json"
        single.write_text(dumps({**plan, "resources": [resource]}))
        times.append(run(opa_eval(opa, single)).cpu_s)
    return statistics.median(times)


def compare(opa: Path, plan: dict[str, Any], workdir: Path, repeats: int, label: str) -> dict[str, list[Sample]]:
    """The gate and both `opa eval` baselines on one plan, alternating; the table printed."""
    plan_file = workdir / "plan.json"
    plan_file.write_text(dumps(plan))
    gate = [
        *(str(Path(sys.executable).parent / "inferfleet"), "gate", str(plan_file), "--json"),
        *("--sarif", str(workdir / "gate.sarif"), "--junit", str(workdir / "gate.junit.xml")),
        *("--timeout", "1800"),  # a shared machine can take minutes of wall time for one large query
    ]
    # The same OPA binary under another path is run as any OPA (`opa eval --stdin-input`).
    stock_opa = workdir / "opa"
    if not stock_opa.exists():
        shutil.copy2(opa, stock_opa)
    rows = alternate(
        {
            "opa eval (whole plan)": functools.partial(run, opa_eval(opa, plan_file)),
            f"opa eval, GOGC={OPA_GOGC}": functools.partial(run, opa_eval(opa, plan_file), env={"GOGC": OPA_GOGC}),
            "opa eval, plan read only": functools.partial(run, opa_eval(opa, plan_file, "true")),
            "inferfleet gate": functools.partial(run, gate, ok=(0, 1)),
            "gate, stock opa eval": functools.partial(run, [*gate, "--opa-bin", str(stock_opa)], ok=(0, 1)),
        },
        repeats,
    )
    megabytes = plan_file.stat().st_size / 1e6
    table(rows, baseline="opa eval (whole plan)", label=f"{label} ({megabytes:.0f} MB)")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeats", type=int, default=3, help="Paired runs per size (default 3).")
    parser.add_argument("--sample", type=int, default=10, help="Resources the per-resource loop is timed on.")
    parser.add_argument(
        "--denied-size", type=int, default=10000, help="Resources of the plan of denied resources (0: none)."
    )
    options = parser.parse_args()
    opa = find_opa()
    header(
        f"gate_scale: inferfleet gate against one `opa eval` ({opa}), plans built from {TEMPLATE_STACK}",
        included="process start to exit; the gate with policy checks, its one-shot OPA process, JSON+SARIF+JUnit "
        "reports (the console report to a file); opa eval with bundle compile, plan read and evaluation",
        repeats=options.repeats,
    )
    template = dict(Planner(REPO / "stacks").plan(TEMPLATE_STACK))
    met = []
    with tempfile.TemporaryDirectory(prefix="inferfleet-gate-bench-") as folder:
        workdir = Path(folder)
        per_resource = per_resource_cpu(opa, scaled_plan(template, 1000), options.sample, workdir)
        for size in options.sizes:
            rows = compare(opa, scaled_plan(template, size), workdir, options.repeats, f"{size} resources")
            print(
                f"    one opa eval per resource: {per_resource * size:.0f} s CPU "
                f"(EXTRAPOLATED from {options.sample} resources at {per_resource * 1000:.0f} ms each; context only)"
            )
            ratio = median_cpu(rows["inferfleet gate"]) / median_cpu(rows["opa eval (whole plan)"])
            met += [verdict(f"CPU gate/opa eval at {size}", ratio, target) for target in TARGETS.get(size, ())]
        if options.denied_size:
            denied = json.loads(DENIED_TEMPLATE.read_text())
            label = f"{options.denied_size} resources from {DENIED_TEMPLATE.name} (no target)"
            compare(opa, scaled_plan(denied, options.denied_size), workdir, options.repeats, label)
    print(f"gate_scale targets: {'all met' if met and all(met) else 'NOT all met'}")
    return 0 if met and all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
