"""Waivers: a live waiver turns a violation into a reported exception; expired or malformed ones fail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from gate_helpers import FIXTURES, run_gate

DENIED = str(FIXTURES / "open_ingress" / "denied_ssh_from_internet.json")
RULE_URN = "urn:pulumi:prod-cn-south::inference-fleet::huaweicloud:Vpc/secgroupRule:SecgroupRule::sg-ingress-model"
pytestmark = pytest.mark.slow
SOON = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
"""A live waiver's expiry: within the 90 days a waiver may run (module-level: the parameter lists use it)."""


def waivers_file(tmp_path: Path, *entries: dict[str, object]) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text(json.dumps({"waivers": list(entries)}))
    return str(path)


def waiver(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "policy_id": "IF-NET-003",
        "urn": "urn:pulumi:prod-cn-south::*::sg-ingress-*",
        "owner": "netops@example.com",
        "reason": "bastion migration, ticket NET-42",
        "expires": SOON,
    }
    entry.update(changes)
    return entry


def test_live_waiver_turns_the_violation_into_a_reported_exception(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    code, out, err = run_gate(
        capsys, DENIED, "--opa-url", opa_url, "--json", "--waivers", waivers_file(tmp_path, waiver())
    )
    report = json.loads(out)
    assert code == 0
    assert report["violations"] == []
    assert [(v["policy_id"], v["urn"], v["waiver"]["owner"]) for v in report["waived"]] == [
        ("IF-NET-003", RULE_URN, "netops@example.com")
    ]
    assert f"waived by netops@example.com until {SOON}" in err


def test_waiver_for_another_resource_waives_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    other = waiver(urn="urn:pulumi:prod-cn-south::*::bastion-*")
    code, out, err = run_gate(
        capsys, DENIED, "--opa-url", opa_url, "--json", "--waivers", waivers_file(tmp_path, other)
    )
    assert code == 1
    assert [v["policy_id"] for v in json.loads(out)["violations"]] == ["IF-NET-003"]
    assert "matched nothing" in err


def test_expired_waiver_fails_the_gate(capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str) -> None:
    old = waiver(expires="2020-01-31")
    code, out, _ = run_gate(capsys, DENIED, "--opa-url", opa_url, "--json", "--waivers", waivers_file(tmp_path, old))
    report = json.loads(out)
    assert code == 1
    assert sorted(v["policy_id"] for v in report["violations"]) == ["IF-NET-003", "IF-WAIVER-001"]
    expired = next(v for v in report["violations"] if v["policy_id"] == "IF-WAIVER-001")
    assert "expired on 2020-01-31" in expired["message"]
    assert report["waived"] == []


def test_expired_waiver_fails_even_a_clean_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    clean = str(FIXTURES / "open_ingress" / "allowed_vpc_only_model_port.json")
    code, _, err = run_gate(
        capsys, clean, "--opa-url", opa_url, "--waivers", waivers_file(tmp_path, waiver(expires="2021-06-01"))
    )
    assert code == 1
    assert "IF-WAIVER-001" in err


@pytest.mark.parametrize(
    ("entry", "key", "expectation"),
    [
        (waiver(owner=""), "waivers[0].owner", "expected a non-empty string"),
        (waiver(expires="next week"), "waivers[0].expires", "expected a date YYYY-MM-DD"),
        (waiver(expires="29990101"), "waivers[0].expires", "expected a date YYYY-MM-DD"),
        (waiver(expires="2026-W01-1"), "waivers[0].expires", "expected a date YYYY-MM-DD"),
        # A waiver is time-boxed: one that never runs out would waive a mandatory rule for good.
        (waiver(expires="9999-12-31"), "waivers[0].expires", "9999-12-31 is more than 90 days ahead (at most "),
        ({k: v for k, v in waiver().items() if k != "expires"}, "waivers[0].expires", "missing"),
        (waiver(policy_id="IF-NOPE-001"), "waivers[0].policy_id", "is not a policy id"),
        (waiver(approved=True), "waivers[0].approved", "unknown key"),
        ("IF-NET-003", "waivers[0]", "expected a mapping"),
    ],
)
def test_malformed_waiver_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, entry: object, key: str, expectation: str
) -> None:
    path = waivers_file(tmp_path, entry)  # type: ignore[arg-type]
    code, _, err = run_gate(capsys, DENIED, "--waivers", path)
    assert code == 2
    assert f"{path}: {key}: " in err
    assert expectation in err


def test_waivers_file_that_is_not_a_list_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("- policy_id: IF-NET-003\n")
    code, _, err = run_gate(capsys, DENIED, "--waivers", str(path))
    assert code == 2
    assert "expected a top-level `waivers:` list" in err


WAIVER_YAML = (
    "waivers:\n"
    "  - policy_id: IF-NET-003\n"
    "    urn: urn:pulumi:prod-cn-south::*::sg-ingress-*\n"
    "    owner: netops@example.com\n"
    "    reason: bastion migration\n"
    f"    expires: {SOON}\n"
)
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefg", "bcdefgh", strict=True)
)
"""Seven levels of nine aliases each: 9**8 values if expanded."""


@pytest.mark.parametrize(
    ("text", "key", "expectation"),
    [
        # A second `urn:` would silently widen or narrow what the waiver covers: refused, naming both lines.
        (WAIVER_YAML + "    urn: '*'\n", "waivers[0].urn", "duplicate key 'urn' (first at line 3, again at line 7)"),
        ("a: &a [x, x, x, x, x, x, x, x, x]\n" + ALIAS_BOMB + "waivers: [*h]\n", "", "alias expansion budget"),
        (WAIVER_YAML.replace(SOON, "!!timestamp 2999-01-01"), "waivers[0].expires", "tag"),
    ],
)
def test_waivers_file_is_read_strictly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, key: str, expectation: str
) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    code, _, err = run_gate(capsys, DENIED, "--waivers", str(path))
    assert code == 2
    assert f"{path}: {key}" in err
    assert expectation in err


def test_waiver_written_in_yaml_with_a_bare_date_waives(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(WAIVER_YAML)
    code, out, _ = run_gate(capsys, DENIED, "--opa-url", opa_url, "--json", "--waivers", str(path))
    assert code == 0
    assert [w["waiver"]["expires"] for w in json.loads(out)["waived"]] == [SOON]
