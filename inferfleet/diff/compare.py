"""Compare a stack's base plan with its head plan: what is created, updated, replaced or deleted.

Pure functions over the plan model. Replacement is decided per resource:
- a real preview's step says so (`replace`/`create-replacement`, its `replaceReasons`);
- offline, a changed input that the provider schema marks replace-forcing
  (inferfleet.diff.replacement, derived from the upstream providers), a path named in the
  resource's `replaceOnChanges`, or a change of provider.
Changes under a path in `ignoreChanges` are left out, as Pulumi leaves them out.
"""

from __future__ import annotations

import semver

from inferfleet.diff.kinds import Capacity, capacities, kinds
from inferfleet.diff.model import (
    BUMPS,
    Bump,
    CapacityLoss,
    Change,
    Counts,
    DeclaredBump,
    Flags,
    Op,
    PropertyChange,
    ReplaceReason,
    Side,
    StackDiff,
    VersionCheck,
)
from inferfleet.diff.properties import covers, property_changes, schema_path
from inferfleet.diff.replacement import forcing_properties
from inferfleet.plan.model import Plan, PlanResource

PREVIEW_REPLACING_OPS = frozenset({"replace", "create-replacement"})


def _replace_reasons(base: PlanResource, head: PlanResource, changes: list[PropertyChange]) -> list[ReplaceReason]:
    reasons: dict[str, ReplaceReason] = {}
    if head["op"] in PREVIEW_REPLACING_OPS or head.get("replace_reasons"):
        for name in head.get("replace_reasons") or ["(the preview's step replaces it)"]:
            reasons[name] = {"property": name, "source": "preview"}
    forcing = forcing_properties(head["type"]) or frozenset()
    on_changes = head["options"].get("replace_on_changes", [])
    for change in changes:
        plain = schema_path(change["path"])
        for prop in sorted(forcing):
            if covers(prop, plain):
                reasons.setdefault(prop, {"property": prop, "source": "provider"})
        for pattern in on_changes:
            if covers(pattern, plain):
                reasons.setdefault(pattern, {"property": pattern, "source": "replace_on_changes"})
    if base["provider"] != head["provider"] and base["provider"] and head["provider"]:
        reasons.setdefault("provider", {"property": "provider", "source": "provider_change"})
    return sorted(reasons.values(), key=lambda r: (r["property"], r["source"]))


def _ignored(path: str, ignore_changes: list[str]) -> bool:
    """Whether Pulumi leaves a change out: the path is at or below an `ignoreChanges` entry."""
    plain = schema_path(path)
    for pattern in ignore_changes:
        ignored = schema_path(pattern.replace("[*]", ""))
        if pattern == "*" or plain == ignored or plain.startswith(ignored + "."):
            return True
    return False


def _loss(reason: str, before: Capacity, lost: int) -> CapacityLoss:
    return {"accelerators": lost * before.per_node, "accelerator": before.accelerator, "nodes": lost, "reason": reason}


def _capacity_lost(
    op: Op, urn: str, base_capacity: dict[str, Capacity], head_capacity: dict[str, Capacity]
) -> CapacityLoss | None:
    before = base_capacity.get(urn)
    if before is None or before.accelerators == 0:
        return None
    if op == "delete":
        return _loss("deleted: its nodes are removed", before, before.nodes)
    if op == "replace":
        return _loss("replaced: its nodes are recreated (down during the change)", before, before.nodes)
    after = head_capacity.get(urn)
    if after is None:
        return None
    if after.accelerator != before.accelerator or after.per_node != before.per_node:
        return _loss("flavor changed: its nodes are recreated with the new flavor", before, before.nodes)
    if after.nodes < before.nodes:
        return _loss(f"node count down from {before.nodes} to {after.nodes}", before, before.nodes - after.nodes)
    return None


def _sibling_loss(
    resource: PlanResource, base_plan: Plan, base_capacity: dict[str, Capacity]
) -> tuple[str, CapacityLoss] | None:
    """A replaced flavor carrier (launch configuration) recreates the nodes of the group beside it."""
    for sibling in base_plan["resources"]:
        if sibling["parent"] == resource["parent"] and sibling["urn"] in base_capacity:
            before = base_capacity[sibling["urn"]]
            reason = f"{resource['name']} (the flavor of {sibling['name']}) replaced: its nodes are recreated"
            return sibling["urn"], _loss(reason, before, before.nodes)
    return None


def _change(
    op: Op,
    *,
    base: PlanResource | None,
    head: PlanResource | None,
    properties: list[PropertyChange],
    reasons: list[ReplaceReason],
    capacity: CapacityLoss | None,
) -> Change:
    resource = head if head is not None else base
    assert resource is not None
    kind = kinds().get(resource["type"])
    loud = op in ("replace", "delete")
    protected = any(r is not None and r["options"].get("protect", False) for r in (base, head))
    flags: Flags = {
        "stateful": kind.stateful if loud and kind is not None else None,
        "protected": loud and protected,
        "capacity_lost": capacity,
    }
    return {
        "urn": resource["urn"],
        "type": resource["type"],
        "name": resource["name"],
        "module": resource["module"],
        "op": op,
        "properties": properties,
        "replace_reasons": reasons,
        "delete_before_replace": op == "replace" and bool(resource["options"].get("delete_before_replace", False)),
        "flags": flags,
    }


def implied_bump(counts: Counts, *, accelerators_lost: int = 0, accelerators_gained: int = 0) -> Bump:
    """Replace, delete or accelerators lost -> major; create or accelerators gained -> minor; only other
    in-place updates -> patch; nothing -> none. Capacity counts as what it is for a fleet, not as the
    in-place update a node count is: fewer GPUs break whoever relies on them (a pool down from 2 nodes
    to 0 was a patch), more GPUs are a feature."""
    if counts["replace"] or counts["delete"] or accelerators_lost:
        return "major"
    if counts["create"] or accelerators_gained:
        return "minor"
    return "patch" if counts["update"] else "none"


def parse_semver(version: str) -> semver.Version | None:
    """A semver version (pre-release and build allowed), or None if the text is not one."""
    try:
        return semver.Version.parse(version)
    except (TypeError, ValueError):
        return None


def reserved_bump(version: semver.Version) -> Bump:
    """The bump a pre-release stands for (`1.0.0-rc.1` is on its way to a major, `1.2.0-rc.1` to a minor,
    `1.2.3-rc.1` to a patch, as `npm version premajor|preminor|prepatch` make them); none for a release."""
    if not version.prerelease:
        return "none"
    if version.minor == version.patch == 0:
        return "major"
    return "minor" if version.patch == 0 else "patch"


def declared_bump(base: str | None, head: str) -> DeclaredBump:
    """The bump from the base's version to the head's: a level, `lower`, or `invalid` (not semver).

    From a pre-release, its release (or a later pre-release of it) declares the bump the pre-release
    stands for: 1.0.0-rc.1 -> 1.0.0 is a major (it was none, and so never enough for any change)."""
    after = parse_semver(head)
    if after is None:
        return "invalid"
    if base is None:
        return "major"  # a new stack: its first version is a first release
    before = parse_semver(base)
    if before is None:
        return "invalid"
    if after < before:
        return "lower"
    if after.major > before.major:
        between: Bump = "major"
    elif after.minor > before.minor:
        between = "minor"
    else:
        between = "patch" if after.patch > before.patch else "none"
    return max(between, reserved_bump(before), key=bump_rank)


def bump_rank(level: str) -> int:
    """Order of bump levels (none < patch < minor < major); `lower` and `invalid` rank below all."""
    return BUMPS.index(level) if level in BUMPS else -1


def version_check(base: str | None, head: str | None, implied: Bump) -> VersionCheck:
    """`head=None`: the change deletes the stack, whose versions end at the base's (nothing to release)."""
    declared = declared_bump(base, head) if head is not None else "deleted"
    return {
        "base": base,
        "head": head,
        "declared_bump": declared,
        "implied_bump": implied,
        "sufficient": head is None or bump_rank(declared) >= bump_rank(implied),
    }


def diff_plans(base: Plan | None, head: Plan, *, base_side: Side, head_side: Side) -> StackDiff:
    """The diff of one stack. `base=None`: the stack does not exist at the base (everything is created).
    A head side whose source is `absent`: the change deletes the stack (its head plan has no resources)."""
    before = {r["urn"]: r for r in base["resources"]} if base is not None else {}
    after = {r["urn"]: r for r in head["resources"]}
    base_capacity = capacities(base) if base is not None else {}
    head_capacity = capacities(head)
    changes: list[Change] = []
    counts: Counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "unchanged": 0}
    lost: dict[str, CapacityLoss] = {}
    gained = 0
    undecided: set[str] = set()
    for urn in sorted(before.keys() | after.keys()):
        old, new = before.get(urn), after.get(urn)
        if old is None or new is None:
            op: Op = "create" if old is None else "delete"
            resource = new if new is not None else old
            assert resource is not None
            properties = property_changes({} if old is None else old["inputs"], {} if new is None else new["inputs"])
            reasons: list[ReplaceReason] = []
        else:
            ignore = new["options"].get("ignore_changes", [])
            properties = [c for c in property_changes(old["inputs"], new["inputs"]) if not _ignored(c["path"], ignore)]
            reasons = _replace_reasons(old, new, properties)
            if not properties and not reasons:
                counts["unchanged"] += 1
                continue
            op = "replace" if reasons else "update"
            if op == "update" and new["custom"] and forcing_properties(new["type"]) is None:
                undecided.add(new["type"])
        counts[op] += 1
        capacity = _capacity_lost(op, urn, base_capacity, head_capacity)
        if capacity is not None:
            lost[urn] = capacity
        elif op == "update" and urn in base_capacity and urn in head_capacity:
            gained += max(0, head_capacity[urn].accelerators - base_capacity[urn].accelerators)
        elif op == "replace" and base is not None and old is not None and urn not in base_capacity:
            kind = kinds().get(old["type"])
            if kind is not None and kind.flavor and kind.nodes is None:
                found = _sibling_loss(old, base, base_capacity)
                if found is not None and found[0] not in lost:
                    lost[found[0]] = capacity = found[1]
        changes.append(_change(op, base=old, head=new, properties=properties, reasons=reasons, capacity=capacity))
    accelerators_lost = sum(loss["accelerators"] for loss in lost.values())
    implied = implied_bump(counts, accelerators_lost=accelerators_lost, accelerators_gained=gained)
    notes = []
    deleted = head_side["source"] == "absent"
    if base is None:
        notes.append(f"stack {head['stack']} does not exist at the base: every resource is created")
    if deleted:
        notes.append(f"the change deletes stack {head['stack']} (no stack file at the head): every resource is deleted")
    notes += [
        f"{type_} is not in the replace-forcing table: whether its updates replace it is not known offline"
        for type_ in sorted(undecided)
    ]
    return {
        "stack": head["stack"],
        "base": base_side,
        "head": head_side,
        "counts": counts,
        "changes": changes,
        "implied_bump": implied,
        "version": version_check(
            base["stack_version"] if base is not None else None, None if deleted else head["stack_version"], implied
        ),
        "accelerators_lost": accelerators_lost,
        "notes": notes,
        "verdict": None,
    }
