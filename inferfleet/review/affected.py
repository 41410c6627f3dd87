"""Which stacks a change between two commits affects: the set a pull request must plan and review.

- a stack file → that stack, and every stack that links to it (it reads the peer's outputs);
- a module's code or metadata → every stack whose plan contains resources of that module;
- the toolkit, the policies, the policy pack or the Pulumi project → every stack;
- documentation, tests, benchmarks, CI files and changelogs → no stack;
- any other path → every stack: a path nobody classified is not a reason to skip a review.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from inferfleet.gitrepo import Repository
from inferfleet.reading import MAX_PYPROJECT_BYTES

AFFECTED_FORMAT = "inferfleet.affected/v1"
STACKS_DIR = "stacks"
MODULES_DIR = "modules"

EVERY_STACK_PREFIXES = ("inferfleet/", "policies/", "policy-pack/")
EVERY_STACK_FILES = frozenset({"pyproject.toml", "Pulumi.yaml", "__main__.py"})
NO_STACK_PREFIXES = ("docs/", "tests/", "bench/", "tools/", ".github/", ".ci/", "stacks/CHANGELOG/")
NO_STACK_FILES = frozenset({".gitlab-ci.yml", ".gitignore", ".pre-commit-config.yaml", "Makefile", "LICENSE"})
MODULE_DOC_NAMES = ("README.md", "CHANGELOG.md")
"""Files of a module folder that do not change what it creates (its examples neither)."""


@dataclass(frozen=True)
class AffectedStack:
    stack: str
    reasons: tuple[str, ...]
    exists_at_head: bool


@dataclass(frozen=True)
class Affected:
    base: str
    head: str
    every_stack: bool
    stacks: tuple[AffectedStack, ...]
    changed_paths: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "format": AFFECTED_FORMAT,
            "base": self.base,
            "head": self.head,
            "every_stack": self.every_stack,
            "stacks": [
                {"stack": item.stack, "reasons": list(item.reasons), "exists_at_head": item.exists_at_head}
                for item in self.stacks
            ],
            "changed_paths": list(self.changed_paths),
        }


def stack_of_path(path: str) -> str | None:
    """`stacks/Pulumi.<name>.yaml` → name."""
    parts = PurePosixPath(path).parts
    if len(parts) == 2 and parts[0] == STACKS_DIR and parts[1].startswith("Pulumi.") and parts[1].endswith(".yaml"):
        return parts[1][len("Pulumi.") : -len(".yaml")]
    return None


def _module_folder(path: str) -> str | None:
    """`modules/<folder>/...` → folder, for paths that can change what the module creates."""
    parts = PurePosixPath(path).parts
    if len(parts) < 3 or parts[0] != MODULES_DIR:
        return None
    if parts[2] in MODULE_DOC_NAMES or parts[2] == "examples" or parts[2].startswith("UPGRADE-"):
        return None
    return parts[1]


def _distribution(repo: Repository, commits: Iterable[str], folder: str) -> str:
    """The distribution name of `modules/<folder>` (from its pyproject at head, else at base)."""
    for commit in commits:
        text = repo.show(commit, f"{MODULES_DIR}/{folder}/pyproject.toml", max_bytes=MAX_PYPROJECT_BYTES)
        if text is not None:
            try:
                table = tomllib.loads(text).get("project")
            except (tomllib.TOMLDecodeError, RecursionError):  # not TOML, or nested deeper than tomllib recurses
                continue
            name = table.get("name") if isinstance(table, dict) else None  # any TOML at all: a change is untrusted
            if isinstance(name, str):
                return name
    return f"inferfleet-{folder.replace('_', '-')}"


def _classify(path: str) -> str:
    if stack_of_path(path) is not None:
        return "stack"
    if path.startswith(f"{MODULES_DIR}/"):
        return "module" if _module_folder(path) is not None else "none"
    if path in EVERY_STACK_FILES or path.startswith(EVERY_STACK_PREFIXES):
        return "every"
    if path in NO_STACK_FILES or path.startswith(NO_STACK_PREFIXES) or ("/" not in path and path.endswith(".md")):
        return "none"
    return "unclassified"


def affected_stacks(
    repo: Repository,
    base: str,
    head: str,
    *,
    stacks_at_head: list[str],
    links_of: Callable[[str], Iterable[str]],
    modules_of: Callable[[str], Mapping[str, str]],
) -> Affected:
    """The stacks the change `base..head` affects, each with its reasons.

    `links_of(stack)` names the stacks it links to (from its spec); `modules_of(stack)` is its
    plan's `modules` map, asked only when a module changed (planning costs seconds a stack).
    """
    since = repo.merge_base(base, head)
    paths = repo.changed_paths(since, head)
    reasons: dict[str, list[str]] = {}
    every: list[str] = []
    changed_modules: dict[str, list[str]] = {}
    for path in paths:
        kind = _classify(path)
        if kind == "stack":
            reasons.setdefault(str(stack_of_path(path)), []).append(f"its stack file {path} changed")
        elif kind == "module":
            distribution = _distribution(repo, (head, since), str(_module_folder(path)))
            changed_modules.setdefault(distribution, []).append(path)
        elif kind == "every":
            every.append(f"{path} changed (toolkit, policies or project: every stack)")
        elif kind == "unclassified":
            every.append(f"{path} changed (not a known kind of file: every stack, to be safe)")
    if every:
        for stack in stacks_at_head:
            reasons.setdefault(stack, []).extend(every[:3] + ([f"and {len(every) - 3} more"] if len(every) > 3 else []))
    elif changed_modules:
        for stack in stacks_at_head:
            used = modules_of(stack)
            for distribution, module_paths in sorted(changed_modules.items()):
                if distribution in used:
                    reasons.setdefault(stack, []).append(
                        f"it uses {distribution}, whose {module_paths[0]}"
                        + (f" and {len(module_paths) - 1} more files" if len(module_paths) > 1 else "")
                        + " changed"
                    )
    directly = set(reasons)
    for stack in stacks_at_head:
        for peer in sorted(set(links_of(stack)) & directly):
            if peer != stack:
                reasons.setdefault(stack, []).append(f"it links to {peer}, which changed (reads its outputs)")
    present = set(stacks_at_head)
    return Affected(
        base=since,
        head=head,
        every_stack=bool(every),
        stacks=tuple(
            AffectedStack(stack=name, reasons=tuple(dict.fromkeys(reasons[name])), exists_at_head=name in present)
            for name in sorted(reasons)
        ),
        changed_paths=tuple(paths),
    )
