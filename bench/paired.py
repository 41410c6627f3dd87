"""Paired timing for the benchmarks: one place that runs, measures and reports, so every figure is honest.

- Every measured thing is a fresh process, measured by the kernel through `wait4`: CPU time (user +
  system) of the process and of the descendants it waited for (the gate's OPA process), summed; peak
  RSS of the largest of them (not a sum: the gate's figure is its Python process or its OPA process,
  whichever peaked higher); wall time from a monotonic clock.
- Candidates and their baselines alternate (A B A B ...), so a burst of load from other work on the
  machine hits both sides alike; the load average is recorded next to every run.
- Figures are min / median / max over the repeats; ratios are of medians, CPU first (CPU time is
  what a shared machine distorts least), wall beside it.

Not a benchmark itself (`make bench` runs the benchmarks); run as a script it is the launcher of `run`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sample:
    """One run: CPU seconds (user + system, with waited-for children), wall seconds, peak RSS, 1-min load."""

    cpu_s: float
    wall_s: float
    peak_rss_mib: float
    load: float

    def __add__(self, other: Sample) -> Sample:
        """Two runs one after the other: times add up, memory is the larger peak."""
        return Sample(
            cpu_s=self.cpu_s + other.cpu_s,
            wall_s=self.wall_s + other.wall_s,
            peak_rss_mib=max(self.peak_rss_mib, other.peak_rss_mib),
            load=max(self.load, other.load),
        )


def run(
    command: Sequence[str], *, cwd: Path = REPO, ok: Iterable[int] = (0,), env: Mapping[str, str] | None = None
) -> Sample:
    """Run a command in a fresh process, its output discarded, and measure it; a failure stops the benchmark.

    The command is started by a small launcher (this file run as a script), not by the benchmark:
    Linux starts a new program's peak RSS at the peak of the process it was forked from, so a
    child of a benchmark holding a 100 MB plan would report at least the benchmark's own peak.
    """
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile(suffix=".json") as report:
        launcher = [sys.executable, "-S", __file__, report.name, *command]
        done = subprocess.run(
            launcher,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            cwd=cwd,
            env=None if env is None else {**os.environ, **env},
        )
        measured = json.loads(Path(report.name).read_text() or "{}")
        if done.returncode != 0 or measured.get("code") not in set(ok):
            errors.seek(0)
            sys.exit(
                f"{' '.join(command)} exited {measured.get('code')}:\n{errors.read().decode(errors='replace')[-3000:]}"
            )
    return Sample(
        cpu_s=measured["cpu_s"],
        wall_s=measured["wall_s"],
        peak_rss_mib=measured["peak_rss_mib"],
        load=os.getloadavg()[0],
    )


def _launch(report: str, command: list[str]) -> None:
    """The launcher: run the command (its output to ours), wait for it, write its measurement as JSON."""
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    measured = {
        "code": os.waitstatus_to_exitcode(status),
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": wall,
        "peak_rss_mib": usage.ru_maxrss / 1024,
    }
    Path(report).write_text(json.dumps(measured))


def alternate(candidates: Mapping[str, Callable[[], Sample]], repeats: int) -> dict[str, list[Sample]]:
    """Run each candidate once per round, in the same order every round (A B C A B C ...)."""
    samples: dict[str, list[Sample]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, measure in candidates.items():
            samples[name].append(measure())
    return samples


def median_cpu(samples: Sequence[Sample]) -> float:
    return statistics.median(sample.cpu_s for sample in samples)


def median_wall(samples: Sequence[Sample]) -> float:
    return statistics.median(sample.wall_s for sample in samples)


def peak_rss(samples: Sequence[Sample]) -> float:
    return max(sample.peak_rss_mib for sample in samples)


def header(title: str, *, included: str, repeats: int) -> None:
    one, five, fifteen = os.getloadavg()
    print(title)
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f}"
        f" at start; {repeats} paired run(s) per figure, candidates alternating with their baselines"
    )
    print(f"  included: {included}")


def _spread(values: Sequence[float]) -> str:
    return f"{min(values):7.2f} {statistics.median(values):7.2f} {max(values):7.2f}"


def table(rows: Mapping[str, Sequence[Sample]], *, baseline: str, label: str = "") -> None:
    """min/median/max of CPU and wall, peak RSS, load during the runs, and each row's ratio to the baseline."""
    base = rows[baseline]
    print(
        f"  {label:<34} {'CPU s min/med/max':>23} {'wall s min/med/max':>23} {'RSS MiB':>8}"
        f" {'load':>5} {'CPU x':>6} {'wall x':>6} {'RSS x':>6}"
    )
    for name, samples in rows.items():
        cpu_ratio = median_cpu(samples) / median_cpu(base)
        wall_ratio = median_wall(samples) / median_wall(base)
        rss_ratio = peak_rss(samples) / peak_rss(base)
        load = statistics.mean(sample.load for sample in samples)
        print(
            f"    {name:<32} {_spread([s.cpu_s for s in samples]):>23}"
            f" {_spread([s.wall_s for s in samples]):>23} {peak_rss(samples):8.0f} {load:5.2f}"
            f" {cpu_ratio:6.2f} {wall_ratio:6.2f} {rss_ratio:6.2f}"
        )


def verdict(description: str, value: float, target: float) -> bool:
    """Print one target as met / NOT met and return whether it was met."""
    met = value <= target
    print(f"  target {description}: {value:.2f} <= {target:g}: {'met' if met else 'NOT met'}")
    return met


if __name__ == "__main__":
    _launch(sys.argv[1], sys.argv[2:])
