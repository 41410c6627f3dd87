"""The rule catalog read from the Rego METADATA: same as OPA's own reading, and the docs are fresh."""

from __future__ import annotations

import json
import shutil
import subprocess
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
        "is not of type 'array'",
    ),
    ("canary", "max_step: twenty\n", "max_step", "is not of type 'number'"),
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
