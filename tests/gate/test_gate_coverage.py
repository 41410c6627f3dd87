"""The gate says what no rule looked at: the plan's resource types no policy examined, with counts,
in every report (console, JSON, SARIF, JUnit). Each policy declares what it reads in Rego (`examined`);
the gate only counts the rest."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml
from gate_helpers import FIXTURES, fixture_plan, run_gate, write_json
from sarif_pydantic import Sarif

from inferfleet.gate import OpaEngine

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


def test_every_resource_type_a_policy_names_in_its_data_is_examined(opa_url: str) -> None:
    """A policy that reads a type (it names it in its data) declares it examined: with one resource of each
    such type in a plan, the gate reports nothing unexamined."""

    type_token = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9.]+(/[A-Za-z0-9.]+)*:[A-Za-z0-9]+$")
    named: set[str] = set()

    def walk(value: Any) -> None:
        items = (
            list(value.items())
            if isinstance(value, dict)
            else [(None, v) for v in value]
            if isinstance(value, list)
            else []
        )
        for key, item in items:
            for text in (key, item):
                if isinstance(text, str) and type_token.match(text) and not text.startswith("pulumi:"):
                    named.add(text)
            walk(item)

    for data_file in FIXTURES.glob("*/data.yaml"):
        walk(yaml.safe_load(data_file.read_text()))
    assert len(named) > 200
    resources = [
        {
            "urn": f"urn:pulumi:s::p::{t}::r{i}",
            "type": t,
            "name": f"r{i}",
            "custom": True,
            "inputs": {},
            "dependencies": [],
            "options": {},
        }
        for i, t in enumerate(sorted(named))
    ]
    decision = OpaEngine(opa_url).decide(
        {"env": "prod", "stack": "s", "cloud": "aws", "region": "us-west-2", "resources": resources}
    )
    assert decision.unexamined == {}
