"""Where the two sides of a diff come from: a git ref planned with its own code, or plan files.

A git ref is checked out into a temporary `git worktree` and planned by a subprocess whose import
path starts with that tree's toolkit and module folders, so the base is planned by the code it was
written for. If the base pins dependency versions other than the installed ones, it is refused
rather than planned with the wrong code.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from inferfleet.errors import EngineError, InputError, PlanInputError
from inferfleet.gitrepo import Repository
from inferfleet.plan.finish import check_plan
from inferfleet.plan.load import plan_from_json, read_json
from inferfleet.plan.model import Plan
from inferfleet.plan.preview import is_preview
from inferfleet.reading import MAX_PYPROJECT_BYTES, read_regular_file

PLAN_TIMEOUT_SECONDS = 600
_BOOT = (
    "import sys\n"
    "root = sys.argv.pop(1)\n"
    "import inferfleet\n"
    "if not inferfleet.__file__.startswith(root):\n"
    "    sys.exit(f'the base planner imported inferfleet from {inferfleet.__file__}, not from {root}')\n"
    "from inferfleet.cli.app import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
"""Runs the base tree's own CLI, after checking that its own toolkit is the one imported."""
_PLANNED: dict[tuple[str, str, str], Plan] = {}
"""Plans by (commit, stacks folder, stack): a commit planned with its own code in one environment
plans the same every time, so a process plans it once (a bump and the release after it share it)."""


@dataclass(frozen=True)
class BaseTree:
    """A git ref checked out in a temporary worktree."""

    ref: str
    commit: str
    root: Path
    stacks_dir: Path

    def stacks(self) -> list[str]:
        if not self.stacks_dir.is_dir():
            return []
        return sorted(
            p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in self.stacks_dir.glob("Pulumi.*.yaml")
        )

    def distributions(self) -> list[Path]:
        """The tree's own distributions besides the toolkit: module and library folders with a pyproject."""
        return sorted(p.parent for p in self.root.glob("*/*/pyproject.toml"))

    def import_path(self) -> list[str]:
        return [str(self.root), *(str(folder) for folder in self.distributions())]

    def plan(self, stacks: list[str]) -> dict[str, Plan]:
        """Plans of `stacks` (those that exist at the base), made by the base's own code."""
        present = [s for s in stacks if s in self.stacks()]
        relative = self.stacks_dir.relative_to(self.root).as_posix()
        missing = [s for s in present if (self.commit, relative, s) not in _PLANNED]
        if missing:
            check_dependencies(self)
            for stack, plan in self._plan_in_subprocess(missing).items():
                _PLANNED[self.commit, relative, stack] = plan
        return {s: copy.deepcopy(_PLANNED[self.commit, relative, s]) for s in present}

    def _plan_in_subprocess(self, present: list[str]) -> dict[str, Plan]:
        with tempfile.TemporaryDirectory(prefix="inferfleet-base-plans-") as out:
            env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
            env["PYTHONPATH"] = os.pathsep.join(self.import_path())
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            plans: dict[str, Plan] = {}
            for stack in present:
                target = Path(out) / f"{stack}.plan.json"
                arguments = ["plan", "-s", stack, "--out", str(target), "--stacks-dir", str(self.stacks_dir)]
                self._run(arguments, env, stack)
                label = f"plan of {stack} at {self.ref}"
                plans[stack] = check_plan(read_json(str(target), max_bytes=1 << 30), label)
            return plans

    def _run(self, arguments: list[str], env: dict[str, str], stack: str) -> None:
        command = [sys.executable, "-c", _BOOT, str(self.root), *arguments]
        try:
            completed = subprocess.run(
                command,
                cwd=self.root,
                env=env,
                capture_output=True,
                text=True,
                timeout=PLAN_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"planning {stack} at {self.ref} took over {PLAN_TIMEOUT_SECONDS} s") from exc
        if completed.returncode == 0:
            return
        said = " ".join(completed.stderr.split())[-600:] or "no output"
        if completed.returncode == 2:
            raise InputError(f"--base {self.ref}: stack {stack} does not plan at that commit: {said}")
        raise EngineError(f"--base {self.ref}: planning {stack} failed (exit {completed.returncode}): {said}")


def check_dependencies(tree: BaseTree) -> None:
    """Refuse a base whose pyprojects require versions other than the installed ones."""
    own = set()
    projects = [tree.root / "pyproject.toml", *(folder / "pyproject.toml" for folder in tree.distributions())]
    requirements: list[tuple[str, str]] = []
    for project in projects:
        if not project.exists():
            continue
        where = f"--base {tree.ref}: {project.relative_to(tree.root)}"
        try:
            raw = read_regular_file(project, MAX_PYPROJECT_BYTES)
            if len(raw) > MAX_PYPROJECT_BYTES:
                raise InputError(f"{where} is over {MAX_PYPROJECT_BYTES} bytes")
            data = tomllib.loads(raw.decode("utf-8"))
        except OSError as exc:
            raise InputError(f"{where} cannot be read ({exc.strerror})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{where} is not valid TOML ({exc})") from exc
        except RecursionError:  # tomllib recurses once per nesting level
            raise InputError(f"{where} is nested too deeply to be read as TOML") from None
        table = data.get("project", {})
        if not isinstance(table, dict):
            raise InputError(f"{where}: project: expected a table")
        name, dependencies = table.get("name"), table.get("dependencies", [])
        if name is not None and not isinstance(name, str):
            raise InputError(f"{where}: project.name: expected a string")
        if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
            raise InputError(f"{where}: project.dependencies: expected a list of requirement strings")
        if name:
            own.add(canonicalize_name(name))
        requirements += [(str(project.relative_to(tree.root)), r) for r in dependencies]
    mismatches = []
    for where, text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            mismatches.append(f"{where}: {text!r} is not a requirement")
            continue
        if canonicalize_name(requirement.name) in own or (requirement.marker and not requirement.marker.evaluate()):
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            mismatches.append(f"{where} needs {requirement} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            mismatches.append(f"{where} needs {requirement} (installed: {installed})")
    if mismatches:
        raise InputError(
            f"--base {tree.ref} needs other dependency versions than this environment has: {'; '.join(mismatches)}",
            hint="plan the base in an environment with those versions and pass its plan with --base-plan FILE",
        )


@contextmanager
def base_tree(repo: Repository, ref: str, *, stacks_dir: Path) -> Iterator[BaseTree]:
    """The commit `ref` names, checked out in a temporary worktree that is removed afterwards."""
    commit = repo.commit(ref, label="--base")
    try:
        relative = stacks_dir.resolve().relative_to(repo.root.resolve())
    except ValueError as exc:
        raise InputError(f"--stacks-dir {stacks_dir}: not inside the repository {repo.root}") from exc
    parent = Path(tempfile.mkdtemp(prefix="inferfleet-base-"))
    root = parent / "tree"
    try:
        repo.git("worktree", "add", "--detach", "--quiet", str(root), commit)
        yield BaseTree(ref=ref, commit=commit, root=root, stacks_dir=root / relative)
    finally:
        repo.git("worktree", "remove", "--force", str(root), check=False)
        shutil.rmtree(parent, ignore_errors=True)
        repo.git("worktree", "prune", check=False)


def load_side(source: str, *, max_bytes: int, stacks_dir: Path) -> tuple[Plan, Literal["plan", "preview"]]:
    """A plan file or a `pulumi preview --json` file, and which of the two it was."""
    document = read_json(source, max_bytes=max_bytes, stdin=sys.stdin.buffer)
    label = "<stdin>" if source == "-" else source
    return plan_from_json(document, label, stacks_dir=stacks_dir), "preview" if is_preview(document) else "plan"


def same_stack(base: Plan, head: Plan, base_label: str, head_label: str) -> None:
    if base["stack"] != head["stack"]:
        raise PlanInputError(
            base_label,
            "stack",
            f"is the plan of stack {base['stack']!r} but {head_label} is of {head['stack']!r}; "
            "a diff compares two plans of one stack",
        )
