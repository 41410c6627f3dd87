"""The reports: console grouped by severity, JSON, SARIF 2.1.0 and JUnit, all from one run."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from gate_helpers import FIXTURES, run_gate
from sarif_pydantic import Sarif

from inferfleet.gate import DEFAULT_POLICIES, load_catalog

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
