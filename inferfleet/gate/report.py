"""The gate's reports: console (grouped by severity), JSON, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style

from inferfleet.cli.console import plain
from inferfleet.errors import cut
from inferfleet.gate.catalog import SEVERITIES, Rule
from inferfleet.gate.decide import GateResult
from inferfleet.gate.waivers import EXPIRED_WAIVER_ID

REPORT_FORMAT = "inferfleet.gate/v1"
COVERAGE_NOTE_ID = "inferfleet/unexamined-type"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
CONSOLE_MAX_CHARS = 1000
"""Most characters of one value (a message, a URN, a waiver's reason) the console report shows; the JSON,
SARIF and JUnit reports keep values whole. A plan's 1 MB resource name never makes a 1 MB terminal line."""
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
_SARIF_LEVEL = {"mandatory": "error", "advisory": "warning"}
_EXPIRED_WAIVER_RULE = Rule(
    policy_id=EXPIRED_WAIVER_ID,
    title="Waiver expired",
    description="A waiver past its expiry date waives nothing and fails the gate until renewed or removed.",
    severity="high",
    enforcement="mandatory",
    remediation="Fix the violation and delete the waiver, or have its owner renew it with a new expiry date.",
    version="1.0.0",
    package="(gate)",
    file="",
    line=0,
)


def _summary(result: GateResult) -> dict[str, int]:
    return {
        "resources": result.resource_count,
        "rules": len(result.rules),
        "mandatory": len(result.mandatory),
        "advisory": len(result.advisory),
        "waived": len(result.waived),
        "unexamined_resources": result.unexamined_resources,
        "unexamined_types": len(result.unexamined),
    }


def _coverage_line(result: GateResult) -> str:
    return (
        f"not examined by any rule: {result.unexamined_resources} resource(s) of {len(result.unexamined)} type(s); "
        "review them by hand"
    )


class _Lines:
    """The console report as rich segments: each line a list of (text, style) pieces, printed as they
    are. No markup is parsed and nothing is wrapped, so no value can become markup; 6,667 violations
    (20,000 lines) take 0.07 s CPU, where one rich Text of them took 0.45 s to split and wrap."""

    def __init__(self) -> None:
        self.lines: list[list[tuple[str, str | None]]] = []

    def add(self, *pieces: str | tuple[str, str]) -> None:
        """A line of literal text and (text, style) pieces; every value in them has been through `plain`."""
        self.lines.append([(piece, None) if isinstance(piece, str) else piece for piece in pieces])

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        styles: dict[str, Style] = {}  # a handful of names, each parsed once
        newline = Segment.line()
        for line in self.lines:
            for text, name in line:
                if name is None:
                    yield Segment(text)
                    continue
                if name not in styles:
                    styles[name] = console.get_style(name)
                yield Segment(text, styles[name])
            yield newline


def console_report(result: GateResult, console: Console) -> None:
    """Violations grouped by severity, each with its resource, rule and remediation; then waivers.

    Lines are not wrapped: URNs stay whole, so they can be searched and copied. A value longer than
    CONSOLE_MAX_CHARS is cut, saying how much was left out.
    """
    report = _Lines()

    # Every value from the plan, the policies or the waivers goes through the one terminal writer
    # (`plain`: control characters shown as escapes); no line is markup.
    def shown(value: object) -> str:
        return plain(cut(value, CONSOLE_MAX_CHARS))

    report.add(
        ("gate", "bold"),
        f" {shown(result.stack)} v{shown(result.stack_version)} ({shown(result.env)}, {shown(result.cloud)} "
        f"{shown(result.region)}): {result.resource_count} resources, {len(result.rules)} rules",
    )
    for severity in SEVERITIES:
        group = [v for v in result.violations if v["severity"] == severity]
        if not group:
            continue
        report.add()
        report.add((severity.upper(), _SEVERITY_STYLE[severity]), f" ({len(group)})")
        for violation in group:
            tag = ("MANDATORY", "red") if violation["enforcement"] == "mandatory" else ("advisory", "yellow")
            report.add("  ", tag, " ", (shown(violation["policy_id"]), "bold"), f" {shown(violation['message'])}")
            report.add(f"    resource: {shown(violation['urn'])}")
            report.add(f"    fix: {shown(violation['remediation'])}")
    if result.waived:
        report.add()
        report.add(("WAIVED", "dim"), f" ({len(result.waived)})")
        for violation in result.waived:
            waiver = violation["waiver"]
            report.add(
                f"  {shown(violation['policy_id'])} {shown(violation['urn'])}: waived by {shown(waiver['owner'])} "
                f"until {shown(waiver['expires'])} ({shown(waiver['reason'])})"
            )
    for waiver in result.unused_waivers:
        what = f"{shown(waiver.policy_id)} {shown(waiver.urn)}"
        report.add(f"note: waiver {shown(waiver.where)} ({what}) matched nothing")
    if result.unexamined:
        report.add()
        report.add(("COVERAGE", "dim"), f" {_coverage_line(result)}")
        for type_, count in result.unexamined.items():
            report.add(f"  {shown(type_)} x{count}")
    counts = _summary(result)
    report.add()
    report.add(
        ("PASS", "bold green") if result.passed else ("FAIL", "bold red"),
        f": {counts['mandatory']} mandatory, {counts['advisory']} advisory, {counts['waived']} waived",
    )
    console.print(report, highlight=False, soft_wrap=True, emoji=False)


def json_report(result: GateResult) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "stack": result.stack,
        "stack_version": result.stack_version,
        "env": result.env,
        "cloud": result.cloud,
        "region": result.region,
        "verdict": "pass" if result.passed else "fail",
        "summary": _summary(result),
        "violations": result.violations,
        "waived": result.waived,
        "unused_waivers": [w.as_dict() for w in result.unused_waivers],
        "unexamined": result.unexamined,
    }


def _rules_seen(result: GateResult) -> list[Rule]:
    rules = {rule.policy_id: rule for rule in result.rules}
    for violation in [*result.violations, *result.waived]:
        if violation["policy_id"] == EXPIRED_WAIVER_ID:
            rules.setdefault(EXPIRED_WAIVER_ID, _EXPIRED_WAIVER_RULE)
    return list(rules.values())


def _sarif_result(violation: dict[str, Any], index: dict[str, int], artifact: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": violation["policy_id"],
        "level": _SARIF_LEVEL[violation["enforcement"]],
        "message": {"text": f"{violation['message']} Fix: {violation['remediation']}"},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": artifact}},
                "logicalLocations": [{"fullyQualifiedName": violation["urn"], "kind": "resource"}],
            }
        ],
        "partialFingerprints": {"inferfleet/v1": f"{violation['policy_id']}:{violation['urn']}"},
        "properties": {
            "severity": violation["severity"],
            "enforcement": violation["enforcement"],
            "details": violation.get("details", {}),
        },
    }
    if violation["policy_id"] in index:
        entry["ruleIndex"] = index[violation["policy_id"]]
    if "waiver" in violation:
        waiver = violation["waiver"]
        entry["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{waiver['reason']} (owner {waiver['owner']}, expires {waiver['expires']})",
            }
        ]
    return entry


def sarif_report(result: GateResult, *, artifact: str, tool_version: str) -> dict[str, Any]:
    """SARIF 2.1.0 for code-scanning upload: one rule per policy rule, one result per violation.

    `artifact` is the file results point at (the stack file, or the plan), relative to the repo.
    """
    rules = _rules_seen(result)
    index = {rule.policy_id: position for position, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "inferfleet-gate",
                        "version": tool_version,
                        "informationUri": "https://www.openpolicyagent.org/",
                        "rules": [
                            {
                                "id": rule.policy_id,
                                "name": rule.title,
                                "shortDescription": {"text": rule.title},
                                "fullDescription": {"text": rule.description},
                                "help": {"text": rule.remediation},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.enforcement]},
                                "properties": {
                                    "severity": rule.severity,
                                    "enforcement": rule.enforcement,
                                    "package": rule.package,
                                    "version": rule.version,
                                },
                            }
                            for rule in rules
                        ],
                    }
                },
                "automationDetails": {"id": f"inferfleet-gate/{result.stack}"},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "level": "note",
                                "descriptor": {"id": COVERAGE_NOTE_ID},
                                "message": {"text": f"{type_}: {count} resource(s) not examined by any rule"},
                                "properties": {"resourceType": type_, "count": count},
                            }
                            for type_, count in result.unexamined.items()
                        ],
                    }
                ],
                "properties": {"unexamined": result.unexamined},
                "results": [_sarif_result(v, index, artifact) for v in [*result.violations, *result.waived]],
            }
        ],
    }


def junit_report(result: GateResult) -> str:
    """JUnit XML: one test case per rule; a mandatory violation is a failure, advisories and waivers are output."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for violation in result.violations:
        by_rule.setdefault(violation["policy_id"], []).append(violation)
    waived: dict[str, list[dict[str, Any]]] = {}
    for violation in result.waived:
        waived.setdefault(violation["policy_id"], []).append(violation)
    rules = _rules_seen(result)
    failures = sum(1 for rule in rules if any(v["enforcement"] == "mandatory" for v in by_rule.get(rule.policy_id, [])))
    suites = ET.Element("testsuites", name="inferfleet-gate", tests=str(len(rules)), failures=str(failures))
    suite = ET.SubElement(
        suites, "testsuite", name=f"inferfleet-gate.{result.stack}", tests=str(len(rules)), failures=str(failures)
    )
    for rule in rules:
        case = ET.SubElement(
            suite, "testcase", classname=f"policies.{rule.package}", name=f"{rule.policy_id} {rule.title}"
        )
        found = by_rule.get(rule.policy_id, [])
        mandatory = [v for v in found if v["enforcement"] == "mandatory"]
        if mandatory:
            failure = ET.SubElement(
                case, "failure", message=f"{len(mandatory)} violation(s) of {rule.policy_id}", type=rule.severity
            )
            failure.text = "\n".join(f"{v['urn']}: {v['message']}\nfix: {v['remediation']}" for v in mandatory)
        notes = [f"advisory: {v['urn']}: {v['message']}" for v in found if v["enforcement"] == "advisory"]
        notes += [
            f"waived: {v['urn']}: {v['message']} (by {v['waiver']['owner']} until {v['waiver']['expires']})"
            for v in waived.get(rule.policy_id, [])
        ]
        if notes:
            ET.SubElement(case, "system-out").text = "\n".join(notes)
    if result.unexamined:
        # What no rule looked at is a skipped check: CI test views show it beside the rules.
        suite.set("skipped", "1")
        suite.set("tests", str(len(rules) + 1))
        suites.set("tests", str(len(rules) + 1))
        properties = ET.Element("properties")
        for type_, count in result.unexamined.items():
            ET.SubElement(properties, "property", name=f"unexamined:{type_}", value=str(count))
        suite.insert(0, properties)
        coverage = ET.SubElement(
            suite, "testcase", classname="policies.coverage", name="resource types no rule examined"
        )
        skipped = ET.SubElement(coverage, "skipped", message=_coverage_line(result))
        skipped.text = "\n".join(f"{type_}: {count}" for type_, count in result.unexamined.items())
    ET.indent(suites)
    return xml_safe('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n")


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold at all, not even as a character reference (NUL, ESC, lone surrogates)."""


def xml_safe(document: str) -> str:
    """The XML writer's last step: each character XML 1.0 forbids (ElementTree writes them raw, which
    makes the file malformed) becomes a visible escape such as `\\x00`; markup characters are already
    escaped by ElementTree."""
    return _NOT_XML.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), document)
