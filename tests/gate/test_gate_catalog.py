"""The rule catalog read from the Rego METADATA: same as OPA's own reading, and the docs are fresh."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from inferfleet.cli.app import main
from inferfleet.errors import PolicyInputError
from inferfleet.gate import DEFAULT_POLICIES, docs, find_opa, load_catalog
from inferfleet.gate.policy_data import check_policy_data


def test_catalog_matches_opa_inspect() -> None:
    result = subprocess.run(
        [str(find_opa()), "inspect", "--annotations", "--format", "json", str(DEFAULT_POLICIES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    inspected = {
        a["annotations"]["custom"]["id"]: a["annotations"]
        for a in json.loads(result.stdout)["annotations"]
        if "id" in a["annotations"].get("custom", {})
    }
    ours = {rule.policy_id: rule for policy in load_catalog(DEFAULT_POLICIES) for rule in policy.rules}
    assert set(ours) == set(inspected)
    for policy_id, rule in ours.items():
        seen = inspected[policy_id]
        assert (rule.title, rule.severity, rule.enforcement, rule.remediation, rule.version) == (
            seen["title"],
            seen["custom"]["severity"],
            seen["custom"]["enforcement"],
            seen["custom"]["remediation"],
            seen["custom"]["version"],
        )
        assert rule.description == " ".join(seen["description"].split())


def test_every_rule_has_advisory_or_mandatory_and_both_exist() -> None:
    levels = {rule.enforcement for policy in load_catalog(DEFAULT_POLICIES) for rule in policy.rules}
    assert levels == {"advisory", "mandatory"}


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (
            "# title: T\n# custom:\n#   id: IF-X-001\n#   severity: high\n",
            "rule METADATA lacks description, custom.enforcement",
        ),
        (
            "# title: T\n# description: D\n# custom:\n#   id: IF-X-001\n#   severity: high\n#   severity: low\n",
            r"METADATA is not valid YAML \(key 'severity' is written twice",
        ),
        (
            "# title: T\n# description: D\n# custom:\n#   id: IF-X-001\n#   version: 2026-13-45\n",
            r"METADATA is not valid YAML \('2026-13-45' cannot be read \(month must be in 1..12\)",
        ),
    ],
)
def test_rule_with_incomplete_or_unreadable_metadata_is_refused(tmp_path: Path, metadata: str, expected: str) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "p.rego").write_text(f"package p\n\n# METADATA\n{metadata}deny contains 1 if input.x\n")
    with pytest.raises(PolicyInputError, match=rf"p.rego: line 3: {expected}"):
        load_catalog(tmp_path)


def test_docs_policies_md_is_fresh() -> None:
    assert docs.main(["--check"]) == 0, "docs/policies.md is stale: run python -m inferfleet.gate.docs"


def test_deny_rule_without_metadata_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "p.rego").write_text("package p\n\ndeny contains 1 if input.x\n")
    with pytest.raises(PolicyInputError, match=r"p.rego: line 3: a deny rule without its own # METADATA block"):
        load_catalog(tmp_path)


def test_policy_data_of_the_repository_is_valid() -> None:
    check_policy_data(DEFAULT_POLICIES)


BROKEN_DATA = [
    (
        "regions",
        "allowed_regions:\n  prod:\n    aws: us-west-2\n",
        "allowed_regions.prod.aws",
        'is not of type "array"',
    ),
    ("canary", "max_step: twenty\n", "max_step", 'is not of type "number"'),
    # YAML values JSON has no word for: OPA reads policy data as JSON.
    ("canary", "max_step: 2026-01-01\n", "max_step", "expected a JSON value"),
    ("canary", "max_step: .inf\n", "max_step", "expected a JSON value"),
    ("canary", "max_step: {1: 20}\n", "max_step", "has the key 1; expected string keys"),
    ("canary", "max_step: [20\n", "", "is not valid YAML"),
    # OPA would take the last of two `max_step:` keys; the gate refuses the file instead.
    ("canary", "max_step: 20\nmax_step: 100\n", "", "key 'max_step' is written twice (lines 1 and 2)"),
]


@pytest.mark.parametrize("case", BROKEN_DATA)
def test_broken_policy_data_names_file_and_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: tuple[str, str, str, str]
) -> None:
    folder, text, key, expectation = case
    copy = tmp_path / "opa"
    shutil.copytree(DEFAULT_POLICIES, copy)
    data = copy / folder / "data.yaml"
    original = yaml.safe_load((DEFAULT_POLICIES / folder / "data.yaml").read_text())
    if key:
        original.update(yaml.safe_load(text))
        data.write_text(yaml.safe_dump(original))
    else:
        data.write_text(text)
    code = main(["gate", str(DEFAULT_POLICIES / "canary" / "allowed_next_stage.json"), "--policies", str(copy)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{data}: {key}: " in err if key else f"{data}: is not valid YAML" in err
    assert expectation in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An alias is shared where it is loaded but walked once per use by the schema check: none in policy data.
        (b"max_step: &step 20\nmin_step: *step\n", "data.yaml: line 2: uses a YAML alias"),
        (b"max_step: 20\n\xff\n", "data.yaml: byte 13: is not UTF-8 text"),
        # The schema validator converts data recursively and fails past a few hundred levels (an internal error).
        (b"max_step: " + b"[" * 300 + b"]" * 300 + b"\n", "is nested more than 64 levels deep"),
        # Values PyYAML resolves but Python refuses to build (they surfaced as internal errors).
        (b"max_step: 2026-13-45\n", "cannot be read (month must be in 1..12)"),
        (b"max_step: " + b"9" * 5000 + b"\n", "cannot be read (Exceeds the limit (4300 digits)"),
    ],
)
def test_policy_data_is_read_as_plain_bounded_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: bytes, expected: str
) -> None:
    copy = tmp_path / "opa"
    shutil.copytree(DEFAULT_POLICIES, copy)
    (copy / "canary" / "data.yaml").write_bytes(text)
    code = main(["gate", str(DEFAULT_POLICIES / "canary" / "allowed_next_stage.json"), "--policies", str(copy)])
    assert code == 2
    assert expected in capsys.readouterr().err


def _gate_with_schema(tmp_path: Path, schema: str, data: str) -> subprocess.CompletedProcess[str]:
    """`inferfleet gate` (its own process: a hang fails the test at the timeout) with the canary policy's
    schema and data replaced."""
    copy = tmp_path / "opa"
    shutil.copytree(DEFAULT_POLICIES, copy)
    (copy / "canary" / "schema.yaml").write_text(schema)
    (copy / "canary" / "data.yaml").write_text(data)
    plan = DEFAULT_POLICIES / "canary" / "allowed_next_stage.json"
    inferfleet = Path(sys.executable).parent / "inferfleet"
    return subprocess.run(
        [str(inferfleet), "gate", str(plan), "--policies", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_schema_reference_to_a_url_is_refused_and_never_fetched(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/schema.json"
        result = _gate_with_schema(tmp_path, f'$ref: "{url}"\n', "max_step: 20\n")
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert result.returncode == 2
    assert "canary/schema.yaml: (top level): is not a JSON Schema the gate can use" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_schema_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    """(a+)+$ against 'aaa...a!' backtracks 2^n times in a backtracking engine (Python's re): hours at n = 64."""
    schema = "type: object\nproperties:\n  max_step: {type: string, pattern: '(a+)+$'}\n"
    result = _gate_with_schema(tmp_path, schema, f"max_step: {'a' * 64}!\n")
    assert result.returncode == 2
    assert "max_step: " in result.stderr
    assert "does not match" in result.stderr


def test_a_schema_that_is_not_a_json_schema_is_named(tmp_path: Path) -> None:
    result = _gate_with_schema(tmp_path, "type: object\nproperties:\n  max_step: {type: 5}\n", "max_step: 20\n")
    assert result.returncode == 2
    assert "canary/schema.yaml: properties.max_step.type: is not a JSON Schema the gate can use" in result.stderr
