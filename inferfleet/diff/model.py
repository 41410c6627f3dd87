"""The diff model (`inferfleet.diff/v1`): what a change does to each stack, down to the property.

docs/diff-format.md describes the document and docs/diff.schema.json checks it. These types are the
Python API the console report, the JSON document and the pull-request comment all read.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

DIFF_FORMAT = "inferfleet.diff/v1"

Op = Literal["create", "update", "replace", "delete"]
OPS: tuple[Op, ...] = ("create", "update", "replace", "delete")
Bump = Literal["none", "patch", "minor", "major"]
BUMPS: tuple[Bump, ...] = ("none", "patch", "minor", "major")
"""Bump levels, weakest first."""
DeclaredBump = Literal["none", "patch", "minor", "major", "lower", "invalid", "deleted"]
"""The bump between two declared versions: a level, `lower` (the head's is lower), `invalid` (not semver), or
`deleted` (the change deletes the stack: no head version, nothing to release)."""


class PropertyChange(TypedDict):
    """One changed value at a nested input path; `null` on a side means the property is absent there."""

    path: str
    before: Any
    after: Any


class ReplaceReason(TypedDict):
    """A property whose change replaces the resource, and who says so."""

    property: str
    source: Literal["provider", "replace_on_changes", "preview", "provider_change"]


class CapacityLoss(TypedDict):
    """Accelerators a change takes away (for the duration of a replacement, or for good)."""

    accelerators: int
    accelerator: str
    nodes: int
    reason: str


class Flags(TypedDict):
    """Loud facts about a change: replacing or deleting stateful or protected resources, lost GPUs."""

    stateful: str | None
    protected: bool
    capacity_lost: CapacityLoss | None


class Change(TypedDict):
    urn: str
    type: str
    name: str
    module: str | None
    op: Op
    properties: list[PropertyChange]
    replace_reasons: list[ReplaceReason]
    delete_before_replace: bool
    flags: Flags


class Counts(TypedDict):
    create: int
    update: int
    replace: int
    delete: int
    unchanged: int


class Side(TypedDict):
    """Where one side of the comparison came from."""

    source: Literal["git", "plan", "preview", "working-tree", "absent"]
    ref: str | None
    stack_version: str | None


class Verdict(TypedDict):
    passed: bool
    mandatory: list[str]
    advisory: list[str]


class VersionCheck(TypedDict):
    """The declared version against the bump the diff implies."""

    base: str | None
    head: str | None
    declared_bump: DeclaredBump
    implied_bump: Bump
    sufficient: bool


class StackDiff(TypedDict):
    stack: str
    base: Side
    head: Side
    counts: Counts
    changes: list[Change]
    implied_bump: Bump
    version: VersionCheck
    accelerators_lost: int
    notes: list[str]
    verdict: Verdict | None


class DiffDocument(TypedDict):
    format: str
    stacks: list[StackDiff]
