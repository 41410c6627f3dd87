"""Every policy fixture gets its expected verdict through the real gate and the real OPA."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fixture_cases import fixtures
from generate_fixtures import POLICIES, render

from inferfleet.cli.app import main
from inferfleet.gate import find_opa, load_catalog

FIXTURES = fixtures()
CATALOG = load_catalog(POLICIES)
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("relative", sorted(FIXTURES))
def test_fixture_gets_its_verdict(relative: str, opa_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    document, expected = FIXTURES[relative]
    path = POLICIES / relative
    assert path.read_text() == render(document), "stale fixture: run tests/policies/generate_fixtures.py"
    capsys.readouterr()
    code = main(["gate", str(path), "--opa-url", opa_url, "--json"])
    report = json.loads(capsys.readouterr().out)
    raised = {v["policy_id"] for v in report["violations"]}
    assert raised == expected
    mandatory = {v["policy_id"] for v in report["violations"] if v["enforcement"] == "mandatory"}
    assert code == (1 if mandatory else 0)
    assert report["verdict"] == ("fail" if mandatory else "pass")
    assert relative.split("/")[1].startswith("denied_" if expected else "allowed_")


def test_every_policy_has_allowed_and_denied_fixtures() -> None:
    folders = {p.name for p in POLICIES.iterdir() if any(p.glob("*.rego")) and p.name != "lib"}
    on_disk = {p.relative_to(POLICIES).as_posix() for p in POLICIES.glob("*/*_*.json")}
    assert on_disk == set(FIXTURES), "fixtures on disk and in fixture_cases.py differ"
    for folder in folders:
        names = [Path(r).name for r in FIXTURES if r.startswith(f"{folder}/")]
        assert any(n.startswith("allowed_") for n in names), folder
        assert any(n.startswith("denied_") for n in names), folder


def test_every_rule_is_raised_by_a_denied_fixture() -> None:
    raised = set().union(*(expected for _, expected in FIXTURES.values()))
    rule_ids = {rule.policy_id for policy in CATALOG for rule in policy.rules}
    assert rule_ids == raised


def _opa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(find_opa()), *args], capture_output=True, text=True, timeout=120, check=False)


def test_rego_is_formatted() -> None:
    result = _opa("fmt", "--list", "--fail", str(POLICIES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rego_checks_strict() -> None:
    result = _opa("check", "--strict", "--bundle", str(POLICIES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rego_unit_tests_pass() -> None:
    result = _opa("test", "--bundle", str(POLICIES), "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS" in result.stdout
