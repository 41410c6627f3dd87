"""A throw-away git repository of the fleet, built from this checkout, with one commit per kind of change.

The repository holds the toolkit, the modules and the reference stacks (so `--base REF` plans each
commit with that commit's own code), and a Keep a Changelog file per stack. Each scenario edits a
stack file, commits, runs `stack bump` (base: the stack's last release tag), commits the bump, and
runs `stack release`; what each step returned is kept for the tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stackfiles import REPO

from inferfleet.diff.model import StackDiff
from inferfleet.diff.run import GateFunction
from inferfleet.release.stack import BumpResult, bump_stack, release_stack

TODAY = dt.date(2026, 1, 15)
STACKS = ("prod-cn-north", "prod-cn-south", "prod-cn-east", "prod-cn-beijing")
"""The stacks the scenarios change (and the ones they link to); staging-cn-south arrives later."""
CODE = ("inferfleet", "modules", "lib", "pyproject.toml", "Pulumi.yaml")
INITIAL_CHANGELOG = "# Changelog of stack {stack}\n\n## [1.0.0] - 2025-12-01\n\nFirst release.\n"


def git(root: Path, *args: str) -> str:
    completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=60)
    return completed.stdout.strip()


def _copy_code(target: Path) -> None:
    listed = git(REPO, "ls-files", "-co", "--exclude-standard", "--", *CODE).splitlines()
    for relative in listed:
        source = REPO / relative
        if source.is_file() and "__pycache__" not in relative and ".egg-info" not in relative:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


def init_repo(root: Path) -> Path:
    """The repository at its first commit, every changed stack released as v1.0.0."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "release@example.com")
    git(root, "config", "user.name", "Release Bot")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "config", "tag.gpgsign", "false")
    _copy_code(root)
    (root / "stacks" / "CHANGELOG").mkdir(parents=True)
    for stack in STACKS:
        shutil.copyfile(REPO / "stacks" / f"Pulumi.{stack}.yaml", root / "stacks" / f"Pulumi.{stack}.yaml")
        (root / "stacks" / "CHANGELOG" / f"{stack}.md").write_text(INITIAL_CHANGELOG.format(stack=stack))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fleet")
    for stack in STACKS:
        git(root, "tag", "-a", "-m", "First release.", f"stacks/{stack}/v1.0.0")
    return root


def edit(root: Path, stack: str, old: str, new: str) -> None:
    path = root / "stacks" / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new))


@dataclass
class Outcome:
    """What one scenario produced."""

    stack: str
    change_commit: str
    bump: BumpResult
    stack_file_after_bump: str
    tag: str | None = None
    tag_message: str | None = None
    release_error: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def diff(self) -> StackDiff:
        return self.bump.diff


NEW_POOL = """      - name: nvidia
        accelerator: nvidia-a100-80g
        placement: scaling_group
        count: 2
        min_count: 2
        max_count: 6
"""
BIG_POOL = """      - name: big
        accelerator: nvidia-a100-80g
        flavor: p3.16xlarge.8
        placement: scaling_group
        count: 3
        min_count: 2
        max_count: 6
"""

ORIGINAL_POOL = "accelerator: nvidia-a100-80g\n        placement: scaling_group\n        count: 2\n        min_count: 2"
Scenario = tuple[str, str, Callable[[Path], None]]
SCENARIOS: list[Scenario] = [
    ("add_pool", "prod-cn-north", lambda r: edit(r, "prod-cn-north", NEW_POOL, NEW_POOL + BIG_POOL)),
    (
        "scale_pool",
        "prod-cn-north",
        lambda r: edit(
            r,
            "prod-cn-north",
            "flavor: p3.16xlarge.8\n        placement: scaling_group\n        count: 3",
            "flavor: p3.16xlarge.8\n        placement: scaling_group\n        count: 2",
        ),
    ),
    (
        "change_flavor",
        "prod-cn-north",
        lambda r: edit(
            r,
            "prod-cn-north",
            ORIGINAL_POOL,
            ORIGINAL_POOL.replace("scaling_group", "scaling_group\n        flavor: p3.16xlarge.8"),
        ),
    ),
    (
        "delete_link",
        "prod-cn-south",
        lambda r: edit(
            r, "prod-cn-south", "    links:\n      - stack: prod-cn-north\n        bandwidth_mbps: 1000\n", ""
        ),
    ),
    ("move_canary", "prod-cn-east", lambda r: edit(r, "prod-cn-east", "stage: 0", "stage: 1")),
    ("tag_only", "prod-cn-north", lambda r: edit(r, "prod-cn-north", "team: inference-platform", "team: gpu-platform")),
    (
        "nothing",
        "prod-cn-north",
        lambda r: edit(r, "prod-cn-north", "config:\n", "# Reviewed in the capacity review.\nconfig:\n"),
    ),
]


def run_scenarios(root: Path, gate: GateFunction) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    stacks_dir = root / "stacks"
    for name, stack, change in SCENARIOS:
        change(root)
        git(root, "commit", "-q", "-am", name)
        commit = git(root, "rev-parse", "HEAD")
        bump = bump_stack(stacks_dir, stack, today=TODAY)
        outcome = Outcome(stack, commit, bump, (stacks_dir / f"Pulumi.{stack}.yaml").read_text())
        if bump.written:
            git(root, "commit", "-q", "-am", f"{stack} {bump.new_version}")
        try:
            tag, message = release_stack(stacks_dir, stack, gate=gate)
            outcome.tag, outcome.tag_message = tag, message
        except Exception as exc:
            outcome.release_error = f"{type(exc).__name__}: {exc}"
        outcomes[name] = outcome
    return outcomes
