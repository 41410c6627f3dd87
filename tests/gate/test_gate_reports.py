"""The reports: console grouped by severity, JSON, SARIF 2.1.0 and JUnit, all from one run."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from gate_helpers import FIXTURES, run_gate
from rich.console import Console
from sarif_pydantic import Sarif

from inferfleet.gate import DEFAULT_POLICIES, load_catalog
from inferfleet.gate.decide import GateResult
from inferfleet.gate.report import console_report
from inferfleet.gate.waivers import Waiver

pytestmark = pytest.mark.slow
DENIED = str(FIXTURES / "workloads" / "denied_tagged_image_as_root.json")
ALLOWED = str(FIXTURES / "workloads" / "allowed_hardened_service.json")
RULES = sum(len(policy.rules) for policy in load_catalog(DEFAULT_POLICIES))


@pytest.fixture
def reports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> tuple[int, dict, dict, ET.Element, str]:  # type: ignore[type-arg]
    sarif, junit = tmp_path / "out" / "gate.sarif", tmp_path / "out" / "gate.xml"
    code, out, err = run_gate(
        capsys, DENIED, "--opa-url", opa_url, "--json", "--sarif", str(sarif), "--junit", str(junit)
    )
    return code, json.loads(out), json.loads(sarif.read_text()), ET.fromstring(junit.read_text()), err


def test_console_groups_by_severity_with_resource_rule_and_fix(reports: tuple) -> None:  # type: ignore[type-arg]
    code, _, _, _, err = reports
    assert code == 1
    high, medium = err.index("HIGH (2)"), err.index("MEDIUM (1)")
    assert high < err.index("IF-K8S-001") < err.index("IF-K8S-005") < medium < err.index("IF-K8S-006")
    assert (
        "resource: urn:pulumi:prod-cn-south::inference-fleet::kubernetes:apps/v1:Deployment::autoglm-deployment" in err
    )
    assert "fix: Reference the image as repo@sha256:<digest>" in err
    assert err.rstrip().endswith("FAIL: 3 mandatory, 0 advisory, 0 waived")


def test_json_report(reports: tuple) -> None:  # type: ignore[type-arg]
    _, report, _, _, _ = reports
    assert report["format"] == "inferfleet.gate/v1"
    assert report["verdict"] == "fail"
    assert report["summary"] == {
        "resources": 4,
        "rules": RULES,
        "mandatory": 3,
        "advisory": 0,
        "waived": 0,
        "unexamined_resources": 0,
        "unexamined_types": 0,
    }
    assert report["unexamined"] == {}
    first = report["violations"][0]
    assert set(first) >= {"policy_id", "severity", "enforcement", "urn", "message", "remediation"}


def test_sarif_report(reports: tuple) -> None:  # type: ignore[type-arg]
    _, _, sarif, _, _ = reports
    parsed = Sarif.model_validate(sarif)  # an independent model of the SARIF 2.1.0 object graph
    assert len(parsed.runs[0].results or []) == 3
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == RULES
    assert len({r["id"] for r in rules}) == RULES
    results = run["results"]
    assert sorted(r["ruleId"] for r in results) == ["IF-K8S-001", "IF-K8S-005", "IF-K8S-006"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        assert (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/Pulumi.prod-cn-south.yaml"
        )
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:")


def test_junit_report(reports: tuple) -> None:  # type: ignore[type-arg]
    _, _, _, junit, _ = reports
    suite = junit.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == (str(RULES), "3")
    failed = sorted(case.get("name", "").split()[0] for case in suite if case.find("failure") is not None)
    assert failed == ["IF-K8S-001", "IF-K8S-005", "IF-K8S-006"]


def test_clean_plan_reports_pass_everywhere(capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str) -> None:
    sarif, junit = tmp_path / "gate.sarif", tmp_path / "gate.xml"
    code, out, err = run_gate(
        capsys, ALLOWED, "--opa-url", opa_url, "--json", "--sarif", str(sarif), "--junit", str(junit)
    )
    assert code == 0
    assert json.loads(out)["verdict"] == "pass"
    assert json.loads(sarif.read_text())["runs"][0]["results"] == []
    assert ET.fromstring(junit.read_text()).get("failures") == "0"
    assert "PASS: 0 mandatory" in err


def test_waived_violation_is_a_suppressed_sarif_result(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str, live_waiver_expiry: str
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - policy_id: IF-K8S-006\n    urn: '*autoglm-deployment'\n    owner: ml@example.com\n"
        f"    reason: model cache writes to /\n    expires: {live_waiver_expiry}\n"
    )
    sarif = tmp_path / "gate.sarif"
    run_gate(capsys, DENIED, "--opa-url", opa_url, "--waivers", str(waivers), "--sarif", str(sarif))
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["IF-K8S-006"]
    assert "ml@example.com" in suppressed[0]["suppressions"][0]["justification"]


def _violation(index: int, value: str) -> dict[str, object]:
    return {
        "policy_id": "IF-NET-003",
        "severity": "high" if index % 2 else "critical",
        "enforcement": "mandatory" if index % 3 else "advisory",
        "urn": f"urn:pulumi:prod::fleet::huaweicloud:Vpc/secgroupRule:SecgroupRule::{value}-{index}{'u' * 200}",
        "message": f"ingress from 0.0.0.0/0 to {value}-{index}",
        "remediation": f"close {value}",
    }


def test_a_colour_console_styles_only_the_report_s_own_words_and_keeps_every_line_whole() -> None:
    """On a terminal: SGR colour codes only, around the report's words; a value's markup and escape
    sequences shown as text; 3,000 violations as 9,000 unwrapped lines at a width of 80."""
    hostile = "[bold red]PASS[/]\x1b[2J\u202e"
    waiver = Waiver(
        policy_id="IF-NET-003",
        urn=f"urn:*{hostile}",
        owner=hostile,
        reason=hostile,
        expires=dt.date(2027, 1, 1),
        where="w.yaml: waivers[0]",
    )
    result = GateResult(
        stack=hostile,
        env="prod",
        cloud="huaweicloud",
        region="cn-south-1",
        stack_version="1.0.0",
        resource_count=3000,
        rules=[],
        violations=[_violation(index, hostile) for index in range(3000)],
        waived=[{**_violation(3000, hostile), "waiver": waiver.as_dict()}],
        unused_waivers=[waiver],
        unexamined={hostile: 2},
    )
    terminal = io.StringIO()
    console_report(result, Console(file=terminal, force_terminal=True, color_system="truecolor", width=80))
    text = terminal.getvalue()

    assert re.findall(r"\x1b(?!\[[0-9;]*m)", text) == []  # no escape other than a colour (SGR) code
    shown = "[bold red]PASS[/]\\x1b[2J\\u202e"
    lines = re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()
    assert lines[0] == f"gate {shown} v1.0.0 (prod, huaweicloud cn-south-1): 3000 resources, 0 rules"
    urns = [line for line in lines if line.startswith("    resource: ")]
    critical_then_high = [*range(0, 3000, 2), *range(1, 3000, 2)]
    assert urns == [f"    resource: {_violation(index, shown)['urn']}" for index in critical_then_high]
    assert lines.index("CRITICAL (1500)") < lines.index("HIGH (1500)")
    assert f"  IF-NET-003 {_violation(3000, shown)['urn']}: waived by {shown} until 2027-01-01 ({shown})" in lines
    assert f"note: waiver w.yaml: waivers[0] (IF-NET-003 urn:*{shown}) matched nothing" in lines
    assert f"  {shown} x2" in lines
    assert lines[-1] == "FAIL: 2000 mandatory, 1000 advisory, 1 waived"
    assert "\x1b[1mIF-NET-003\x1b[0m" in text  # the rule id bold, its tag red or yellow
    assert "\x1b[31mMANDATORY\x1b[0m" in text
    assert "\x1b[33madvisory\x1b[0m" in text
    assert "\x1b[1;31mFAIL\x1b[0m" in text
