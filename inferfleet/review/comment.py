"""The pull-request review comment: every affected stack's diff, cost, verdict and picture in one text.

Layout: the hidden marker, a summary table (one row per stack), then one collapsible section per
stack, or per group of stacks whose diffs are the same change (the same module change rolled out
to several regions): replacements and deletions first, then property changes, policy violations,
cost and the topology picture.

The comment must fit the platform (GitHub 65,536 characters, GitLab 1,000,000). When the whole
text is longer, `pack` drops detail in a fixed order (pictures, then property-level changes,
then the wording of replacement lines) and never the summary, a replacement or deletion, a
policy failure or a cost table; whatever it cut is said at the top, with where to read it all.
Every section is built whole, so the text never has an open fence or an unclosed `<details>`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from inferfleet.diff.model import Change, StackDiff
from inferfleet.review import markdown as md
from inferfleet.review.sticky import marker

MAX_CHANGE_ROWS = 500
"""Property rows shown per stack before the rest is counted (the JSON artifact has them all)."""
_OP_WORD = {"create": "create", "update": "update", "replace": "**replace**", "delete": "**delete**"}


@dataclass(frozen=True)
class CostRow:
    """One line of a stack's cost table, already formatted (amounts with their currency)."""

    item: str
    base: str
    head: str
    delta: str


@dataclass(frozen=True)
class StackCost:
    """What the comment shows of a stack's hourly cost."""

    delta: str
    """The summary cell, e.g. `+¥21.00/h` (one entry per currency, never converted)."""
    rows: tuple[CostRow, ...] = ()
    notes: tuple[str, ...] = ()
    """E.g. how many prices are estimates, how old the table is, flavors with no price."""


@dataclass(frozen=True)
class Violation:
    policy_id: str
    enforcement: str
    urn: str
    message: str
    remediation: str


@dataclass(frozen=True)
class StackReview:
    """Everything the comment says about one stack."""

    diff: StackDiff
    violations: tuple[Violation, ...] = ()
    cost: StackCost | None = None
    mermaid: str | None = None


@dataclass(frozen=True)
class Review:
    head: str
    """The head commit the comment describes (the sticky marker carries it)."""
    stacks: tuple[StackReview, ...]
    artifact_hint: str = "the full diff is the `inferfleet-diff` artifact of this CI run (`inferfleet diff --json`)"
    cuts: tuple[str, ...] = field(default=())


# --- the pieces ----------------------------------------------------------------------------------


def _version_cell(diff: StackDiff) -> str:
    version = diff["version"]
    implied = diff["implied_bump"]
    base = version["base"] or "new"
    state = "ok" if version["sufficient"] else "⚠ **needs " + md.text(implied) + "**"
    if version["head"] is None:
        return f"{md.code(base)} → deleted (the change deletes the stack)"
    return f"{md.code(base)} → {md.code(version['head'])} ({md.text(implied)} implied; {state})"


def _gate_cell(review: StackReview) -> str:
    verdict = review.diff["verdict"]
    if verdict is None:
        return "not run"
    return "✅ pass" if verdict["passed"] else f"❌ **fail** ({len(verdict['mandatory'])} mandatory)"


def summary_table(reviews: Sequence[StackReview]) -> str:
    rows = []
    for review in reviews:
        counts = review.diff["counts"]
        rows.append(
            [
                md.text(review.diff["stack"]),
                *(str(counts[op]) for op in ("create", "update", "replace", "delete")),
                _version_cell(review.diff),
                _gate_cell(review),
                md.text(review.cost.delta) if review.cost is not None else "unknown",
            ]
        )
    header = ["stack", "create", "update", "replace", "delete", "version", "gate", "cost / hour"]
    return md.table(header, rows)


def _flags(change: Change) -> list[str]:
    flags = change["flags"]
    found = []
    if flags["stateful"]:
        found.append(f"stateful: {md.text(flags['stateful'])}")
    if flags["protected"]:
        found.append("protected")
    loss = flags["capacity_lost"]
    if loss is not None:
        found.append(
            f"loses {loss['accelerators']} {md.text(loss['accelerator'])} accelerators ({loss['nodes']} nodes)"
        )
    return found


def _destructive_line(change: Change, *, compact: bool) -> str:
    forced = ", ".join(md.code(reason["property"], limit=60) for reason in change["replace_reasons"])
    flags = _flags(change)
    if compact:
        marks = (" ⚠ " + "; ".join(flags)) if flags else ""
        return f"- {_OP_WORD[change['op']]} {md.code(change['name'], limit=60)}{marks}"
    parts = [f"- ⚠ {_OP_WORD[change['op']]} {md.code(change['type'], limit=80)} {md.code(change['name'], limit=80)}"]
    if forced:
        parts.append(f"forced by {forced}")
    if change["delete_before_replace"]:
        parts.append("deleted before its replacement exists")
    parts.extend(f"**{flag}**" for flag in flags)
    return " — ".join(parts)


def destructive_section(diff: StackDiff, *, compact: bool = False, limit: int | None = None) -> str:
    changes = [change for change in diff["changes"] if change["op"] in ("replace", "delete")]
    if not changes:
        return ""
    shown = changes if limit is None else changes[:limit]
    lines = [_destructive_line(change, compact=compact) for change in shown]
    if len(shown) < len(changes):
        lines.append(f"- … and {len(changes) - len(shown)} more replacements and deletions (in the full diff)")
    if diff["accelerators_lost"]:
        lines.append(f"\n**{diff['accelerators_lost']} accelerators are out of service during this change.**")
    return "#### Replacements and deletions\n\n" + "\n".join(lines) + "\n"


def changes_section(diff: StackDiff) -> str:
    updated = [change for change in diff["changes"] if change["op"] in ("update", "replace")]
    total = sum(len(change["properties"]) for change in updated)
    rows = [
        [
            md.code(change["name"], limit=60),
            md.code(prop["path"], limit=80),
            *_values(prop["before"], prop["after"]),
        ]
        for change, prop in islice(((c, p) for c in updated for p in c["properties"]), MAX_CHANGE_ROWS)
    ]
    created = [change for change in diff["changes"] if change["op"] == "create"]
    text = ""
    if created:
        names = ", ".join(md.code(change["name"], limit=60) for change in created[:20])
        more = f" and {len(created) - 20} more" if len(created) > 20 else ""
        text += f"#### Created\n\n{len(created)} resources: {names}{more}\n\n"
    if rows:
        text += "#### Property changes\n\n" + md.table(["resource", "property", "before", "after"], rows)
        if total > len(rows):
            text += f"\n… and {total - len(rows)} more property changes (in the full diff)\n"
    return text


VALUE_CHARS = 80


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _values(before: Any, after: Any) -> tuple[str, str]:
    """Both sides of a change; long values are shown from just before where they first differ."""
    if before is None or after is None:
        return _value(before), _value(after)
    left, right = _text_of(before), _text_of(after)
    common = min(len(left), len(right))
    start = next((index for index in range(common) if left[index] != right[index]), common)
    if max(len(left), len(right)) <= VALUE_CHARS or start < VALUE_CHARS // 2:
        return _value(before), _value(after)
    start -= 10
    return md.code("…" + left[start:], limit=VALUE_CHARS), md.code("…" + right[start:], limit=VALUE_CHARS)


def _value(value: Any) -> str:
    return "(absent)" if value is None else md.code(_text_of(value), limit=VALUE_CHARS)


def policy_section(review: StackReview) -> str:
    if not review.violations:
        return ""
    lines = []
    for violation in sorted(review.violations, key=lambda v: (v.enforcement != "mandatory", v.policy_id, v.urn)):
        mark = "❌" if violation.enforcement == "mandatory" else "⚠"
        lines.append(
            f"- {mark} {md.code(violation.policy_id, limit=40)} ({md.text(violation.enforcement)}) "
            f"{md.code(violation.urn.rsplit('::', 1)[-1], limit=80)}: {md.text(violation.message)}"
            + (f" — fix: {md.text(violation.remediation)}" if violation.remediation else "")
        )
    return "#### Policy violations\n\n" + "\n".join(lines) + "\n"


def cost_section(cost: StackCost | None) -> str:
    if cost is None:
        return "#### Cost per hour\n\nunknown: no price table was given\n"
    body = (
        md.table(
            ["item", "base", "head", "delta"],
            [[md.text(row.item), md.text(row.base), md.text(row.head), md.text(row.delta)] for row in cost.rows],
        )
        if cost.rows
        else ""
    )
    notes = "".join(f"\n- {md.text(note)}" for note in cost.notes)
    return f"#### Cost per hour\n\n{body}{notes}\n"


def picture_section(mermaid: str | None) -> str:
    return "#### Topology\n\n" + md.fence(mermaid, "mermaid") if mermaid else ""


# --- grouping and packing ----------------------------------------------------------------------


def _shape(review: StackReview) -> str:
    """The diff with its stack name taken out: stacks with the same shape got the same change."""
    stack = review.diff["stack"]
    changes = json.dumps(review.diff["changes"], sort_keys=True).replace(stack, "\0")
    violations = json.dumps([(v.policy_id, v.message.replace(stack, "\0")) for v in review.violations])
    return f"{changes}|{violations}|{review.diff['implied_bump']}"


def groups(reviews: Sequence[StackReview]) -> list[list[StackReview]]:
    """Stacks whose diffs are the same change (names aside) share one section."""
    found: dict[str, list[StackReview]] = {}
    for review in reviews:
        found.setdefault(_shape(review), []).append(review)
    return sorted(found.values(), key=lambda group: group[0].diff["stack"])


@dataclass(frozen=True)
class Detail:
    """How much of each stack section to write; `pack` lowers these until the text fits."""

    pictures: bool = True
    property_changes: bool = True
    compact_destructive: bool = False
    destructive_limit: int | None = None


def stack_section(group: Sequence[StackReview], detail: Detail) -> str:
    first = group[0]
    diff = first.diff
    names = ", ".join(md.text(review.diff["stack"]) for review in group)
    counts = diff["counts"]
    heading = (
        f"<b>{names}</b>: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['replace']} to replace, {counts['delete']} to delete"
    )
    if len(group) > 1:
        heading += f" (the same change in {len(group)} stacks; shown for {md.text(diff['stack'])})"
    parts = [destructive_section(diff, compact=detail.compact_destructive, limit=detail.destructive_limit)]
    if detail.property_changes:
        parts.append(changes_section(diff))
    elif counts["update"] or counts["create"]:
        parts.append(
            f"#### Property changes\n\n{counts['update']} updates and {counts['create']} creates "
            "(cut to fit; in the full diff)\n"
        )
    parts.append(policy_section(first))
    parts.extend(cost_section(review.cost) for review in group)
    if detail.pictures:
        parts.append(picture_section(first.mermaid))
    notes = "".join(f"- {md.text(note)}\n" for note in diff["notes"])
    body = "\n".join(part for part in parts if part) + (f"\n{notes}" if notes else "")
    destructive = counts["replace"] or counts["delete"] or not (_gate_cell(first).startswith("✅"))
    return md.details(heading, body or "no changes", open_=bool(destructive))


def render(review: Review, detail: Detail = Detail(), *, sections: bool = True) -> str:
    stacks = sorted(review.stacks, key=lambda item: item.diff["stack"])
    head = [
        marker(review.head, [item.diff["stack"] for item in stacks]),
        f"## inferfleet review of {md.code(review.head[:12])}",
        "",
    ]
    if review.cuts:
        head.append(
            "> **Shortened to fit the comment limit:** "
            + "; ".join(review.cuts)
            + f". {md.text(review.artifact_hint)}."
        )
        head.append("")
    if not stacks:
        head.append("No stack is affected by this change.")
        return "\n".join(head) + "\n"
    head.append(summary_table(stacks))
    if not sections:
        return "\n".join(head) + "\n"
    return "\n".join(head) + "\n" + "\n".join(stack_section(group, detail) for group in groups(stacks))


PACKING_STEPS: tuple[tuple[Detail, str], ...] = (
    (Detail(), ""),
    (Detail(pictures=False), "topology pictures left out"),
    (Detail(pictures=False, property_changes=False), "property-level changes shown as counts"),
    (
        Detail(pictures=False, property_changes=False, compact_destructive=True),
        "replacement and deletion lines shortened",
    ),
)


def pack(review: Review, limit: int) -> str:
    """The fullest rendering under `limit` characters (see the module docstring for what goes first)."""
    cuts: list[str] = []
    for detail, cut in PACKING_STEPS:
        if cut:
            cuts.append(cut)
        text = render(_with_cuts(review, cuts), detail)
        if len(text) <= limit:
            return text
    # Last resort: list as many replacements and deletions as fit per stack, and count the rest.
    cuts.append("only the first replacements and deletions of each stack listed")
    shortest = PACKING_STEPS[-1][0]
    low, high, best = 0, max((len(item.diff["changes"]) for item in review.stacks), default=0), None
    while low <= high:
        middle = (low + high) // 2
        text = render(_with_cuts(review, cuts), dataclasses.replace(shortest, destructive_limit=middle))
        if len(text) <= limit:
            best, low = text, middle + 1
        else:
            high = middle - 1
    if best is not None:
        return best
    # Even the counts do not fit (thousands of stacks): the summary alone, as many rows as fit.
    return _summary_only(review, limit)


def _summary_only(review: Review, limit: int) -> str:
    stacks = sorted(review.stacks, key=lambda item: item.diff["stack"])
    low, high, best = 0, len(stacks), ""
    while low <= high:
        middle = (low + high) // 2
        cut = [*review.cuts, f"summary of {middle} of {len(stacks)} stacks only, no sections"]
        text = render(
            _with_cuts(Review(review.head, tuple(stacks[:middle]), review.artifact_hint), cut), Detail(), sections=False
        )
        if len(text) <= limit:
            best, low = text, middle + 1
        else:
            high = middle - 1
    return best


def _with_cuts(review: Review, cuts: Sequence[str]) -> Review:
    return Review(head=review.head, stacks=review.stacks, artifact_hint=review.artifact_hint, cuts=tuple(cuts))
