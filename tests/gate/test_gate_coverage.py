"""The gate says what no rule looked at: the plan's resource types no policy examined, with counts,
in every report (console, JSON, SARIF, JUnit). Each policy declares what it reads in Rego (`examined`);
the gate only counts the rest."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from gate_helpers import fixture_plan, run_gate, write_json
from sarif_pydantic import Sarif

pytestmark = pytest.mark.slow


def _with(plan: dict[str, Any], *extra: tuple[str, str, dict[str, Any], bool]) -> dict[str, Any]:
    document = copy.deepcopy(plan)
    prefix = document["resources"][0]["urn"].split("::")[0] + "::inference-fleet::"
    for type_, name, inputs, custom in extra:
        document["resources"].append(
            {
                "urn": f"{prefix}{type_}::{name}",
                "type": type_,
                "name": name,
                "parent": None,
                "custom": custom,
                "provider": None,
                "inputs": inputs,
                "dependencies": [],
                "options": {},
                "op": "create",
                "module": None,
            }
        )
    document["resources"].sort(key=lambda r: r["urn"])
    return document


SNAT = ("alicloud:vpc/snatEntry:SnatEntry", "snat-a", {"snatIp": "(known after apply)"}, True)
SNAT_B = ("alicloud:vpc/snatEntry:SnatEntry", "snat-b", {"snatIp": "(known after apply)"}, True)
CONFIG = ("kubernetes:core/v1:ConfigMap", "settings", {"data": {"PORT": "8000"}}, True)
COMPONENT = ("inferfleet:vpc:Vpc", "fleet", {}, False)


def test_reports_name_what_no_rule_examined(capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str) -> None:
    plan = _with(fixture_plan("workloads/allowed_hardened_service.json"), SNAT, SNAT_B, CONFIG, COMPONENT)
    path = write_json(tmp_path / "plan.json", plan)
    sarif, junit = tmp_path / "gate.sarif", tmp_path / "gate.xml"
    code, out, err = run_gate(
        capsys, str(path), "--opa-url", opa_url, "--json", "--sarif", str(sarif), "--junit", str(junit)
    )
    assert code == 0
    expected = {"alicloud:vpc/snatEntry:SnatEntry": 2, "kubernetes:core/v1:ConfigMap": 1}
    report = json.loads(out)
    assert report["unexamined"] == expected  # the component, the stack and the provider are not infrastructure
    assert (report["summary"]["unexamined_resources"], report["summary"]["unexamined_types"]) == (3, 2)
    assert "not examined by any rule: 3 resource(s) of 2 type(s)" in err
    assert "  alicloud:vpc/snatEntry:SnatEntry x2" in err

    document = json.loads(sarif.read_text())
    Sarif.model_validate(document)
    run = document["runs"][0]
    assert run["properties"]["unexamined"] == expected
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert {(n["properties"]["resourceType"], n["properties"]["count"], n["level"]) for n in notes} == {
        ("alicloud:vpc/snatEntry:SnatEntry", 2, "note"),
        ("kubernetes:core/v1:ConfigMap", 1, "note"),
    }

    suite = ET.fromstring(junit.read_text()).find("testsuite")
    assert suite is not None
    assert suite.get("skipped") == "1"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {
        "unexamined:alicloud:vpc/snatEntry:SnatEntry": "2",
        "unexamined:kubernetes:core/v1:ConfigMap": "1",
    }
    skipped = [case for case in suite.iter("testcase") if case.find("skipped") is not None]
    assert [case.get("classname") for case in skipped] == ["policies.coverage"]


def test_what_a_rule_reads_counts_as_examined(capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str) -> None:
    """The canary policy reads any Kubernetes object carrying a canary weight: a ConfigMap with one is examined."""
    canary = (
        "kubernetes:core/v1:ConfigMap",
        "settings",
        {"metadata": {"annotations": {"inferfleet.io/canary-weight": "5"}}},
        True,
    )
    plan = _with(fixture_plan("workloads/allowed_hardened_service.json"), canary)
    path = write_json(tmp_path / "plan.json", plan)
    code, out, err = run_gate(capsys, str(path), "--opa-url", opa_url, "--json")
    assert code == 0
    assert json.loads(out)["unexamined"] == {}
    assert "not examined by any rule" not in err


def test_security_group_rule_types_are_examined_even_without_openings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    """The rule types the open-ingress policy decides are never reported as unexamined."""
    rules = [
        ("huaweicloud:Vpc/secgroupRule:SecgroupRule", "r1", {"direction": "egress"}, True),
        ("tencentcloud:Security/groupLiteRule:GroupLiteRule", "r2", {"ingresses": []}, True),
        ("aws:ec2/securityGroupRule:SecurityGroupRule", "r3", {"type": "egress"}, True),
    ]
    plan = _with(fixture_plan("workloads/allowed_hardened_service.json"), *rules)
    path = write_json(tmp_path / "plan.json", plan)
    code, out, _ = run_gate(capsys, str(path), "--opa-url", opa_url, "--json")
    assert (code, json.loads(out)["unexamined"]) == (0, {})
