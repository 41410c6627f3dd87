"""What does a person wait for at the command line: `inferfleet --help` and `inferfleet plan -s prod-cn-south`?

Fresh processes, alternating with their baselines (bench/paired.py):

- `inferfleet --help` against a bare interpreter start (`python -c pass`): what listing the
  subcommands costs on top of starting Python at all.
- `inferfleet plan -s prod-cn-south` (spec, composition, mock runtime, plan tree on stderr) against
  the floor for the same plan: bench/floor_program.py registering the same custom resources with the
  provider SDK classes under Pulumi's stock mock runtime, and the same floor under the plan
  runtime's collector policy. Most of both is importing the Pulumi SDK and the provider SDKs,
  shown alone by a third baseline: the floor program importing the SDK class of every resource type
  of the plan under the same collector policy and stopping (no resource registered). A target below
  that figure cannot be met by anything inferfleet does, only by faster provider SDK imports.

Targets: `--help` <= 0.2 s CPU; `plan -s prod-cn-south` <= 0.8 s CPU.

    .venv/bin/python bench/cli_start.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from pathlib import Path

from paired import REPO, alternate, header, median_cpu, run, table, verdict

INFERFLEET = str(Path(sys.executable).parent / "inferfleet")
STACK = "prod-cn-south"
HELP_TARGET_S = 0.2
PLAN_TARGET_S = 0.8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="Paired runs per figure (default 5).")
    options = parser.parse_args()
    header(
        "cli_start: the command line's own cost",
        included="process start to exit (interpreter start, imports, work, output to /dev/null)",
        repeats=options.repeats,
    )
    rows = alternate(
        {
            "python -c pass": functools.partial(run, [sys.executable, "-c", "pass"]),
            "inferfleet --help": functools.partial(run, [INFERFLEET, "--help"]),
        },
        options.repeats,
    )
    table(rows, baseline="python -c pass", label="--help")
    met = [verdict("inferfleet --help CPU s", median_cpu(rows["inferfleet --help"]), HELP_TARGET_S)]
    with tempfile.TemporaryDirectory(prefix="inferfleet-cli-bench-") as folder:
        plan_file = Path(folder) / f"{STACK}.plan.json"
        run([INFERFLEET, "plan", "-s", STACK, "--out", str(plan_file)])
        floor = [sys.executable, str(REPO / "bench" / "floor_program.py"), str(plan_file)]
        rows = alternate(
            {
                "floor, stock": functools.partial(run, floor),
                "floor + GC policy": functools.partial(run, [*floor, "--gc-policy"]),
                "SDK imports only, GC policy": functools.partial(run, [*floor, "--imports-only"]),
                f"inferfleet plan -s {STACK}": functools.partial(run, [INFERFLEET, "plan", "-s", STACK]),
            },
            options.repeats,
        )
    table(rows, baseline="floor, stock", label=f"plan -s {STACK}")
    met.append(verdict(f"plan -s {STACK} CPU s", median_cpu(rows[f"inferfleet plan -s {STACK}"]), PLAN_TARGET_S))
    imports = median_cpu(rows["SDK imports only, GC policy"])
    if imports > PLAN_TARGET_S:
        print(f"    importing the SDK classes alone takes {imports:.2f} s CPU, above the {PLAN_TARGET_S} s target")
    print(f"cli_start targets: {'all met' if all(met) else 'NOT all met'}")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
