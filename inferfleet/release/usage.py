"""Who uses which module version: read from the stacks' plans (`modules`, `module_sources`, `deprecations`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from inferfleet.errors import InputError
from inferfleet.plan.model import Plan
from inferfleet.release.api import Bump
from inferfleet.release.registry import newest_release

MAX_SPEC_LENGTH = 200


def deprecations_used(plan: Plan, distribution: str | None = None) -> list[dict[str, str]]:
    """The deprecated module inputs a plan's program sets (of one module, or all)."""
    found = plan.get("deprecations", [])
    return [d for d in found if distribution is None or d.get("module") == distribution]


def stack_plans(stacks_dir: Path, plans_dir: Path | None = None) -> dict[str, Plan]:
    """Every stack's plan: read from `plans_dir/<stack>.plan.json` when given, else planned offline now."""
    from inferfleet.spec.load import list_stacks

    stacks = list_stacks(stacks_dir)
    if plans_dir is not None:
        from inferfleet.plan.load import load_plan

        plans = {}
        for stack in stacks:
            path = plans_dir / f"{stack}.plan.json"
            if not path.is_file():
                raise InputError(f"{path}: no plan of stack {stack}", hint=f"inferfleet plan --all --out {plans_dir}")
            plan = load_plan(str(path), max_bytes=256 * 1024 * 1024, stacks_dir=stacks_dir)
            if plan["stack"] != stack:
                raise InputError(f"{path}: holds the plan of stack {plan['stack']!r}, not of {stack}")
            plans[stack] = plan
        return plans
    from inferfleet.plan.planner import Planner

    planner = Planner(stacks_dir)
    return {stack: planner.plan(stack) for stack in stacks}


@dataclass(frozen=True)
class Use:
    stack: str
    env: str
    module: str
    version: str
    source: str


def parse_spec(spec: str | None) -> SpecifierSet | None:
    if spec is None:
        return None
    try:
        if len(spec) > MAX_SPEC_LENGTH:
            raise InvalidSpecifier(spec[:40])
        return SpecifierSet(spec)
    except InvalidSpecifier as exc:
        raise InputError(f"--version {spec[:80]!r}: not a version specifier (e.g. '>=1.2,<2')") from exc


def used_by(plans: Mapping[str, Plan], distribution: str, spec: SpecifierSet | None = None) -> list[Use]:
    """The stacks whose plan uses `distribution` (at a version `spec` allows), by stack name."""
    uses = []
    for stack, plan in sorted(plans.items()):
        version = plan["modules"].get(distribution)
        if version is None:
            continue
        if spec is not None and not _allowed(spec, version):
            continue
        source = plan.get("module_sources", {}).get(distribution, "unknown")
        uses.append(Use(stack, plan["env"], distribution, version, source))
    return uses


def _allowed(spec: SpecifierSet, version: str) -> bool:
    try:
        return spec.contains(Version(version), prereleases=True)
    except (InvalidVersion, ValueError):  # ValueError: a part of more digits than int() reads
        return False


def upgrade_bump(current: str, newest: str | None) -> str:
    """The semver level of the upgrade current -> newest: none, patch, minor or major."""
    if newest is None:
        return "none"
    try:
        old, new = Version(current), Version(newest)
    except (InvalidVersion, ValueError):  # ValueError: a part of more digits than int() reads
        return "unknown"
    if new <= old:
        return "none"
    if new.major != old.major:
        return str(Bump.MAJOR)
    if new.minor != old.minor:
        return str(Bump.MINOR)
    return str(Bump.PATCH)


@dataclass(frozen=True)
class ModuleStatus:
    stack: str
    module: str
    version: str
    source: str
    newest: str | None
    upgrade: str
    deprecations: tuple[str, ...]


def check_modules(plans: Mapping[str, Plan], registry: str) -> list[ModuleStatus]:
    """Per stack and module: the version in use, the newest release on the registry, the upgrade's bump level."""
    newest: dict[str, str | None] = {}
    rows = []
    for stack, plan in sorted(plans.items()):
        for module, version in sorted(plan["modules"].items()):
            if module not in newest:
                found = newest_release(registry, module)
                newest[module] = str(found.version) if found is not None else None
            rows.append(
                ModuleStatus(
                    stack=stack,
                    module=module,
                    version=version,
                    source=plan.get("module_sources", {}).get(module, "unknown"),
                    newest=newest[module],
                    upgrade=upgrade_bump(version, newest[module]),
                    deprecations=tuple(
                        f"{d['field']} (removed in {d['removed_in']})" for d in deprecations_used(plan, module)
                    ),
                )
            )
    return rows
