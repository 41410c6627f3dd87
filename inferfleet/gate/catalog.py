"""The rule catalog: every policy rule's METADATA, read from the Rego sources.

The gate names rules in SARIF and JUnit reports from it, checks that an OPA server holds every
policy package, refuses waivers for unknown policy ids, and docs/policies.md is generated from
it. The violations themselves carry the same METADATA, read by OPA with `rego.metadata.rule()`.
A test checks this reader against `opa inspect --annotations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from inferfleet.errors import PolicyInputError
from inferfleet.gate.policy_data import UniqueKeyLoader, read_policy_file

SEVERITIES = ("critical", "high", "medium", "low")
ENFORCEMENTS = ("mandatory", "advisory")
_PACKAGE = re.compile(r"^package\s+([\w.]+)\s*$")
_RULE_HEAD = re.compile(r"^(deny)\s+contains\b")
_REQUIRED_CUSTOM = ("id", "severity", "enforcement", "remediation", "version")


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One deny rule of a policy, as its METADATA describes it."""

    policy_id: str
    title: str
    description: str
    severity: str
    enforcement: str
    remediation: str
    version: str
    package: str
    file: str
    line: int


@dataclass(frozen=True, kw_only=True)
class Policy:
    """One policy folder: its package, title, description, version and rules."""

    package: str
    title: str
    description: str
    version: str
    folder: str
    rules: tuple[Rule, ...]


def rego_sources(policies_dir: Path) -> list[Path]:
    """The policy sources, tests excluded, in a stable order."""
    return sorted(p for p in policies_dir.rglob("*.rego") if not p.name.endswith("_test.rego"))


def _metadata_blocks(lines: list[str], file: str) -> list[tuple[int, dict[str, Any], int]]:
    """(line of the block, parsed YAML, number of the first code line after it) per `# METADATA` block."""
    blocks = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != "# METADATA":
            index += 1
            continue
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].startswith("#"):
            body.append(lines[index][2:] if lines[index].startswith("# ") else lines[index][1:])
            index += 1
        try:  # libyaml: one parse per rule, every gate
            parsed = yaml.load("\n".join(body), Loader=UniqueKeyLoader) or {}
        except yaml.YAMLError as exc:
            reason = " ".join(str(exc).split())
            raise PolicyInputError(file, f"line {start + 1}", f"METADATA is not valid YAML ({reason})") from None
        blocks.append((start + 1, parsed if isinstance(parsed, dict) else {}, index + 1))
    return blocks


def _rule(meta: dict[str, Any], *, package: str, file: str, line: int) -> Rule:
    custom = meta.get("custom") or {}
    missing = [k for k in ("title", "description") if not meta.get(k)]
    missing += [f"custom.{k}" for k in _REQUIRED_CUSTOM if not custom.get(k)]
    where = f"line {line}"
    if missing:
        raise PolicyInputError(file, where, f"rule METADATA lacks {', '.join(missing)}")
    if custom["severity"] not in SEVERITIES:
        raise PolicyInputError(file, where, f"severity {custom['severity']!r} is not one of {', '.join(SEVERITIES)}")
    if custom["enforcement"] not in ENFORCEMENTS:
        raise PolicyInputError(
            file, where, f"enforcement {custom['enforcement']!r} is not one of {', '.join(ENFORCEMENTS)}"
        )
    return Rule(
        policy_id=str(custom["id"]),
        title=str(meta["title"]),
        description=" ".join(str(meta["description"]).split()),
        severity=str(custom["severity"]),
        enforcement=str(custom["enforcement"]),
        remediation=str(custom["remediation"]),
        version=str(custom["version"]),
        package=package,
        file=file,
        line=line,
    )


def load_catalog(policies_dir: Path, *, relative_to: Path | None = None) -> list[Policy]:
    """Every policy (a package with deny rules) under `policies_dir`, rules in source order."""
    policies = []
    seen: dict[str, str] = {}
    for source in rego_sources(policies_dir):
        shown = str(source.relative_to(relative_to)) if relative_to else str(source)
        lines = read_policy_file(source).splitlines()
        package = next((m.group(1) for line in lines if (m := _PACKAGE.match(line))), None)
        if package is None:
            raise PolicyInputError(shown, "", "no `package` line")
        header: dict[str, Any] = {}
        rules = []
        described: set[int] = set()
        for line_no, meta, code_line in _metadata_blocks(lines, shown):
            following = lines[code_line - 1] if code_line <= len(lines) else ""
            if _PACKAGE.match(following):
                header = meta
            elif _RULE_HEAD.match(following):
                described.add(code_line)
                rule = _rule(meta, package=package, file=shown, line=line_no)
                if rule.policy_id in seen:
                    raise PolicyInputError(
                        shown, f"line {line_no}", f"policy id {rule.policy_id} is also used in {seen[rule.policy_id]}"
                    )
                seen[rule.policy_id] = shown
                rules.append(rule)
        undescribed = [n for n, line in enumerate(lines, 1) if _RULE_HEAD.match(line) and n not in described]
        if undescribed:
            raise PolicyInputError(
                shown, f"line {undescribed[0]}", "a deny rule without its own # METADATA block (title, custom.id, ...)"
            )
        if not rules:
            continue
        policies.append(
            Policy(
                package=package,
                title=str(header.get("title", package)),
                description=" ".join(str(header.get("description", "")).split()),
                version=str((header.get("custom") or {}).get("version", "")),
                folder=str(Path(shown).parent),
                rules=tuple(rules),
            )
        )
    return policies


def rules_by_id(policies: list[Policy]) -> dict[str, Rule]:
    return {rule.policy_id: rule for policy in policies for rule in policy.rules}
