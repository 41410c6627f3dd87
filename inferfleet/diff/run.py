"""Assemble a diff document: pick the stacks, plan or read both sides, compare, and gate the head.

What `inferfleet diff` and `inferfleet stack bump` run; the CLI only maps flags onto a DiffRequest.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from inferfleet.diff.compare import diff_plans
from inferfleet.diff.model import DiffDocument, Side, StackDiff, Verdict
from inferfleet.diff.report import diff_document
from inferfleet.diff.sources import BaseTree, base_tree, load_side, same_stack
from inferfleet.errors import UsageError
from inferfleet.gitrepo import Repository
from inferfleet.plan.load import with_base
from inferfleet.plan.model import Plan

GateFunction = Callable[[Plan], Verdict]
"""Decides a head plan (with its base facts set) and returns the verdict."""


def with_base_release(head: Plan, base: Plan, base_label: str) -> Plan:
    """The head plan as the gate decides it against a base: each resource's old inputs, and (for the
    stack_bump policy) the base's version and the semver bump the diff base -> head implies."""
    side: Side = {"source": "plan", "ref": base_label, "stack_version": base["stack_version"]}
    diff = diff_plans(base, head, base_side=side, head_side=side)
    combined = with_base(head, base, base_label)
    combined["base"] = {"stack_version": base["stack_version"], "implied_bump": diff["implied_bump"]}
    return combined


@dataclass(frozen=True, kw_only=True)
class DiffRequest:
    """Which stacks, and where each side comes from (exactly one base: a git ref or a plan file)."""

    stacks_dir: Path
    stack: str | None = None
    all_stacks: bool = False
    changed: bool = False
    base_ref: str | None = None
    base_plan: str | None = None
    head_plan: str | None = None
    max_plan_bytes: int = 256 * 1024 * 1024

    def check(self) -> None:
        if (self.base_ref is None) == (self.base_plan is None):
            raise UsageError("give exactly one base: --base REF (a git ref) or --base-plan FILE")
        chosen = sum([self.stack is not None, self.all_stacks, self.changed])
        if self.base_plan is not None:
            if self.all_stacks or self.changed:
                raise UsageError("--base-plan compares one stack; --all and --changed need --base REF")
        elif chosen != 1:
            raise UsageError("with --base REF give exactly one of --stack/-s NAME, --all or --changed")
        if self.head_plan is not None and self.base_ref is not None and self.stack is None:
            raise UsageError("--head-plan is the plan of one stack: name it with --stack/-s")


def deleted_at_head(base: Plan) -> Plan:
    """The head of a stack the change deletes: its plan with no resources and no outputs (what `pulumi
    destroy` previews)."""
    return {**base, "resources": [], "outputs": {}}


def _working_tree_plan(stacks_dir: Path, stack: str) -> Plan:
    from inferfleet.plan.planner import Planner

    # A copy: the gate sets old inputs and base facts on the plan it decides.
    return copy.deepcopy(Planner(stacks_dir).plan(stack))


def _from_files(request: DiffRequest) -> list[tuple[Plan | None, Plan, Side, Side]]:
    assert request.base_plan is not None
    base, base_kind = load_side(request.base_plan, max_bytes=request.max_plan_bytes, stacks_dir=request.stacks_dir)
    if request.head_plan is not None:
        head, head_kind = load_side(request.head_plan, max_bytes=request.max_plan_bytes, stacks_dir=request.stacks_dir)
        head_side: Side = {"source": head_kind, "ref": request.head_plan, "stack_version": head["stack_version"]}
        same_stack(base, head, request.base_plan, request.head_plan)
    else:
        head = _working_tree_plan(request.stacks_dir, request.stack or base["stack"])
        head_side = {"source": "working-tree", "ref": None, "stack_version": head["stack_version"]}
        same_stack(base, head, request.base_plan, f"the working tree's plan of {head['stack']}")
    if request.stack is not None and request.stack != head["stack"]:
        raise UsageError(f"--stack {request.stack}: the plans are of stack {head['stack']!r}")
    base_side: Side = {"source": base_kind, "ref": request.base_plan, "stack_version": base["stack_version"]}
    return [(base, head, base_side, head_side)]


def _stacks_to_compare(request: DiffRequest, repo: Repository, tree: BaseTree, at_head: list[str]) -> list[str]:
    from inferfleet.spec.load import load_stack

    if request.stack is not None:
        return [request.stack]
    if request.all_stacks:
        return at_head
    from inferfleet.plan.planner import Planner
    from inferfleet.review.affected import affected_stacks

    planner = Planner(request.stacks_dir)
    affected = affected_stacks(
        repo,
        tree.commit,
        "HEAD",
        stacks_at_head=at_head,
        links_of=lambda name: [link.stack for link in load_stack(request.stacks_dir, name).fleet.links],
        modules_of=lambda name: planner.plan(name)["modules"],
    )
    # A stack the change deletes is compared too: every resource it had is deleted.
    at_base = tree.stacks()
    return [item.stack for item in affected.stacks if item.exists_at_head or item.stack in at_base]


def _from_git(request: DiffRequest) -> list[tuple[Plan | None, Plan, Side, Side]]:
    assert request.base_ref is not None
    from inferfleet.spec.load import list_stacks

    repo = Repository.containing(request.stacks_dir.resolve() if request.stacks_dir.exists() else Path.cwd())
    at_head = list_stacks(request.stacks_dir)
    pairs: list[tuple[Plan | None, Plan, Side, Side]] = []
    with base_tree(repo, request.base_ref, stacks_dir=request.stacks_dir) as tree:
        names = _stacks_to_compare(request, repo, tree, at_head)
        base_plans = tree.plan(names)
    for name in names:
        base = base_plans.get(name)
        base_side: Side = {
            "source": "git" if base is not None else "absent",
            "ref": tree.commit,
            "stack_version": base["stack_version"] if base is not None else None,
        }
        if request.head_plan is None and name not in at_head and base is not None:
            pairs.append(
                (base, deleted_at_head(base), base_side, {"source": "absent", "ref": None, "stack_version": None})
            )
            continue
        if request.head_plan is not None:
            head, kind = load_side(request.head_plan, max_bytes=request.max_plan_bytes, stacks_dir=request.stacks_dir)
            head_side: Side = {"source": kind, "ref": request.head_plan, "stack_version": head["stack_version"]}
        else:
            head = _working_tree_plan(request.stacks_dir, name)
            head_side = {"source": "working-tree", "ref": None, "stack_version": head["stack_version"]}
        if base is not None:
            same_stack(base, head, f"the plan of {name} at {request.base_ref}", request.head_plan or "the head")
        pairs.append((base, head, base_side, head_side))
    return pairs


Observer = Callable[[Plan | None, Plan, StackDiff], None]
"""Sees each stack's base plan, head plan and diff (the review comment draws and prices from them)."""


def compute_diff(
    request: DiffRequest, *, gate: GateFunction | None = None, observe: Observer | None = None
) -> DiffDocument:
    """The diff of every requested stack; with `gate`, each head plan's verdict against its base."""
    request.check()
    pairs = _from_files(request) if request.base_plan is not None else _from_git(request)
    stacks: list[StackDiff] = []
    for base, head, base_side, head_side in pairs:
        diff = diff_plans(base, head, base_side=base_side, head_side=head_side)
        if gate is not None and head_side["source"] != "absent":  # a deleted stack has nothing to gate
            label = base_side["ref"] or "base"
            diff["verdict"] = gate(with_base_release(head, base, label) if base is not None else head)
        if observe is not None:
            observe(base, head, diff)
        stacks.append(diff)
    return diff_document(stacks)
