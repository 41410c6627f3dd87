"""Every kind of change, through a real git repository: diff, replacement, flags, bump, changelog and tag.

One repository per module (built from this checkout, see fleet_repo.py); each scenario is planned
once per commit, with that commit's own code for the base (a `git worktree`), and gated by the real OPA.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from fleet_repo import SCENARIOS, TODAY, Outcome, git, init_repo, run_scenarios
from stackfiles import REPO

from inferfleet import FLEET_CONFIG_KEY
from inferfleet.cli.diff import policy_gate
from inferfleet.diff.model import Change
from inferfleet.errors import SpecError
from inferfleet.release.stack import declared_version
from inferfleet.review.comment import Review, StackReview, render

pytestmark = pytest.mark.slow
SCHEMA = json.loads((REPO / "docs" / "diff.schema.json").read_text())


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, opa_url: str) -> Iterator[tuple[Path, dict[str, Outcome]]]:
    root = init_repo(tmp_path_factory.mktemp("fleet") / "repo")
    with policy_gate(REPO / "policies" / "opa", opa_url=opa_url, opa_bin=None) as gate:
        yield root, run_scenarios(root, gate)


@pytest.fixture(scope="module")
def outcomes(fleet: tuple[Path, dict[str, Outcome]]) -> dict[str, Outcome]:
    return fleet[1]


def changes(outcome: Outcome, op: str | None = None) -> dict[str, Change]:
    return {c["name"]: c for c in outcome.diff["changes"] if op is None or c["op"] == op}


def test_every_scenario_diff_is_a_valid_document(outcomes: dict[str, Outcome]) -> None:
    assert [name for name, _, _ in SCENARIOS] == list(outcomes)
    for outcome in outcomes.values():
        jsonschema.validate({"format": "inferfleet.diff/v1", "stacks": [outcome.diff]}, SCHEMA)


def test_add_pool_creates_its_resources_and_is_a_minor_bump(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["add_pool"]
    assert outcome.diff["counts"] == {"create": 4, "update": 0, "replace": 0, "delete": 0, "unchanged": 14}
    assert set(changes(outcome, "create")) == {"big", "big-group", "big-scaling-config", "big-disk-key"}
    group = changes(outcome)["big-group"]
    assert {"path": "desireInstanceNumber", "before": None, "after": 3} in group["properties"]
    assert group["flags"] == {"stateful": None, "protected": False, "capacity_lost": None}
    assert outcome.diff["implied_bump"] == "minor"
    assert (outcome.bump.old_version, outcome.bump.new_version) == ("1.0.0", "1.1.0")
    assert "    version: 1.1.0\n" in outcome.stack_file_after_bump
    assert outcome.bump.changelog_entry.startswith(f"## [1.1.0] - {TODAY.isoformat()}\n\nMinor bump: 4 create.\n")
    assert "### Added" in outcome.bump.changelog_entry
    assert "### Removed" not in outcome.bump.changelog_entry
    assert outcome.tag == "stacks/prod-cn-north/v1.1.0"
    assert outcome.tag_message == outcome.bump.changelog_entry


def test_scale_down_loses_capacity_and_is_a_major_bump(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["scale_pool"]
    assert outcome.diff["counts"] == {"create": 0, "update": 1, "replace": 0, "delete": 0, "unchanged": 17}
    group = changes(outcome)["big-group"]
    assert group["op"] == "update"
    assert group["properties"] == [{"path": "desireInstanceNumber", "before": 3, "after": 2}]
    assert group["replace_reasons"] == []
    # p3.16xlarge.8 carries 8 A100s per node (the gpu_instance catalog): one node fewer loses 8.
    assert group["flags"]["capacity_lost"] == {
        "accelerators": 8,
        "accelerator": "nvidia-a100-80g",
        "nodes": 1,
        "reason": "node count down from 3 to 2",
    }
    assert outcome.diff["accelerators_lost"] == 8
    assert (outcome.bump.new_version, outcome.diff["implied_bump"]) == ("2.0.0", "major")
    assert "**8 accelerators are lost during this change.**" in outcome.bump.changelog_entry
    assert outcome.tag == "stacks/prod-cn-north/v2.0.0"


def test_flavor_change_replaces_the_launch_configuration(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["change_flavor"]
    assert outcome.diff["counts"]["replace"] == 1
    config = changes(outcome, "replace")["nvidia-scaling-config"]
    assert {"path": "instanceConfig.flavor", "before": "p3.2xlarge.8", "after": "p3.16xlarge.8"} in config["properties"]
    assert config["replace_reasons"]
    assert all(r["source"] == "provider" for r in config["replace_reasons"])
    assert any(
        r["property"] == "instanceConfig.flavor" or "instanceConfig.flavor".startswith(r["property"] + ".")
        for r in config["replace_reasons"]
    )
    # The group's two 1-GPU nodes are recreated with the new flavor.
    assert config["flags"]["capacity_lost"] is not None
    assert config["flags"]["capacity_lost"]["accelerators"] == 2
    assert outcome.diff["accelerators_lost"] == 2
    assert (outcome.diff["implied_bump"], outcome.bump.new_version) == ("major", "3.0.0")
    assert "**replaced** (forced by" in outcome.bump.changelog_entry
    assert outcome.tag == "stacks/prod-cn-north/v3.0.0"


def test_deleting_a_link_flags_protected_stateful_deletions(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["delete_link"]
    counts = outcome.diff["counts"]
    assert (counts["delete"], counts["create"], counts["update"], counts["replace"]) == (7, 0, 0, 0)
    connection = changes(outcome, "delete")["prod-cn-south-links-connection"]
    assert connection["flags"]["stateful"] == "cross-region link"
    assert connection["flags"]["protected"] is True
    assert {"path": "name", "before": "prod-cn-south-links", "after": None} in connection["properties"]
    assert (outcome.diff["implied_bump"], outcome.bump.old_version, outcome.bump.new_version) == (
        "major",
        "1.0.0",
        "2.0.0",
    )
    assert "### Removed" in outcome.bump.changelog_entry
    assert outcome.tag == "stacks/prod-cn-south/v2.0.0"


def test_moving_the_canary_updates_annotations_in_place(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["move_canary"]
    assert outcome.diff["counts"]["update"] == 3
    assert outcome.diff["counts"]["replace"] == 0
    ingress = changes(outcome)["autoglm-canary-ingress"]
    assert {
        "path": 'metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]',
        "before": "5",
        "after": "20",
    } in ingress["properties"]
    assert (outcome.diff["implied_bump"], outcome.bump.new_version) == ("patch", "1.0.1")
    assert outcome.tag == "stacks/prod-cn-east/v1.0.1"  # the canary rule judged stage 1 against stage 0


def test_a_tag_change_is_a_patch_of_every_tagged_resource(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["tag_only"]
    updated = changes(outcome, "update")
    assert outcome.diff["counts"]["update"] == len(updated) == 8
    for change in updated.values():
        assert change["properties"] == [{"path": "tags.team", "before": "inference-platform", "after": "gpu-platform"}]
    assert (outcome.diff["implied_bump"], outcome.bump.new_version) == ("patch", "3.0.1")
    assert outcome.tag == "stacks/prod-cn-north/v3.0.1"


def test_no_change_bumps_nothing_and_the_release_is_refused(
    fleet: tuple[Path, dict[str, Outcome]], outcomes: dict[str, Outcome]
) -> None:
    root, _ = fleet
    outcome = outcomes["nothing"]
    assert outcome.diff["changes"] == []
    assert outcome.diff["implied_bump"] == "none"
    assert not outcome.bump.written
    assert outcome.bump.new_version == "3.0.1"
    assert outcome.tag is None
    assert outcome.release_error == (
        "InputError: stacks/prod-cn-north/v3.0.1 already exists: version 3.0.1 of prod-cn-north is released"
    )
    assert git(root, "status", "--porcelain") == ""


def test_bump_keeps_comments_and_layout(fleet: tuple[Path, dict[str, Outcome]]) -> None:
    root, _ = fleet
    first = git(root, "rev-list", "--max-parents=0", "HEAD")
    before = git(root, "show", f"{first}:stacks/Pulumi.prod-cn-east.yaml")
    after = (root / "stacks" / "Pulumi.prod-cn-east.yaml").read_text()
    assert after == before.replace("version: 1.0.0", "version: 1.0.1").replace("stage: 0", "stage: 1") + (
        "\n" if not before.endswith("\n") else ""
    )


def test_changelog_keeps_the_newest_entry_first(fleet: tuple[Path, dict[str, Outcome]]) -> None:
    root, _ = fleet
    text = (root / "stacks" / "CHANGELOG" / "prod-cn-north.md").read_text()
    headings = [line for line in text.splitlines() if line.startswith("## [")]
    assert headings == [f"## [{v}] - {TODAY.isoformat()}" for v in ("3.0.1", "3.0.0", "2.0.0", "1.1.0")] + [
        "## [1.0.0] - 2025-12-01"
    ]


def test_tags_are_annotated_with_the_changelog_entry(fleet: tuple[Path, dict[str, Outcome]]) -> None:
    root, outcomes = fleet
    tags = git(root, "tag", "--list", "stacks/*").splitlines()
    expected = {o.tag for o in outcomes.values() if o.tag} | {
        f"stacks/{s}/v1.0.0" for s in ("prod-cn-north", "prod-cn-south", "prod-cn-east", "prod-cn-beijing")
    }
    assert set(tags) == expected
    assert git(root, "cat-file", "-t", "stacks/prod-cn-north/v3.0.0") == "tag"
    message = git(root, "tag", "--list", "--format=%(contents)", "stacks/prod-cn-north/v3.0.0")
    assert message.strip() == outcomes["change_flavor"].bump.changelog_entry.strip()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from inferfleet.cli.app import main

    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def release_north(capsys: pytest.CaptureFixture[str], root: Path, opa_url: str) -> tuple[int, str, str]:
    """`inferfleet stack release -s prod-cn-north` in the scenario repository, gated by the OPA at `opa_url`."""
    return run_cli(
        capsys, "stack", "release", "-s", "prod-cn-north", "--stacks-dir", str(root / "stacks"), "--opa-url", opa_url
    )


def test_diff_against_a_release_tag_is_deterministic_and_gated(
    fleet: tuple[Path, dict[str, Outcome]], opa_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = fleet
    arguments = ["diff", "-s", "prod-cn-north", "--base", "stacks/prod-cn-north/v1.0.0", "--json"]
    arguments += ["--stacks-dir", str(root / "stacks"), "--opa-url", opa_url]
    code, first, _ = run_cli(capsys, *arguments)
    again, second, err = run_cli(capsys, *arguments)
    assert code == again == 0
    assert first == second
    document = json.loads(first)
    jsonschema.validate(document, SCHEMA)
    (stack,) = document["stacks"]
    assert stack["base"] == {
        "source": "git",
        "ref": git(root, "rev-parse", "stacks/prod-cn-north/v1.0.0^{commit}"),
        "stack_version": "1.0.0",
    }
    assert stack["version"] == {
        "base": "1.0.0",
        "head": "3.0.1",
        "declared_bump": "major",
        "implied_bump": "major",
        "sufficient": True,
    }
    assert stack["verdict"] == {"passed": True, "mandatory": [], "advisory": stack["verdict"]["advisory"]}
    assert "implied bump: major" in err


def test_changed_compares_only_the_stacks_changed_since_the_base(
    fleet: tuple[Path, dict[str, Outcome]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Since prod-cn-north v3.0.0: the link deletion (south), the canary (east), the tag change (north)."""
    root, _ = fleet
    code, out, _ = run_cli(
        capsys,
        *("diff", "--changed", "--base", "stacks/prod-cn-north/v3.0.0", "--json", "--no-gate"),
        *("--stacks-dir", str(root / "stacks")),
    )
    assert code == 0
    stacks = {s["stack"]: s for s in json.loads(out)["stacks"]}
    assert set(stacks) == {"prod-cn-north", "prod-cn-south", "prod-cn-east"}  # not prod-cn-beijing
    assert (stacks["prod-cn-north"]["counts"]["update"], stacks["prod-cn-north"]["implied_bump"]) == (8, "patch")
    assert (stacks["prod-cn-south"]["counts"]["delete"], stacks["prod-cn-south"]["implied_bump"]) == (7, "major")
    assert stacks["prod-cn-east"]["implied_bump"] == "patch"
    assert all(s["version"]["sufficient"] for s in stacks.values())


def test_release_on_a_dirty_tree_is_refused(
    fleet: tuple[Path, dict[str, Outcome]], opa_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = fleet
    tags = git(root, "tag", "--list")
    stray = root / "stacks" / "notes.txt"
    stray.write_text("draft\n")
    try:
        code, _, err = release_north(capsys, root, opa_url)
    finally:
        stray.unlink()
    assert code == 2
    assert "the working tree has uncommitted changes (stacks/notes.txt)" in err
    assert git(root, "tag", "--list") == tags


def test_release_of_a_version_too_low_for_its_diff_is_denied_by_the_gate(
    fleet: tuple[Path, dict[str, Outcome]], opa_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deleting a pool (major) released as a minor version: the stack_bump policy (IF-VER-002) denies it."""
    root, _ = fleet
    from fleet_repo import BIG_POOL, edit

    path = root / "stacks" / "Pulumi.prod-cn-north.yaml"
    edit(root, "prod-cn-north", BIG_POOL.replace("count: 3", "count: 2"), "")
    edit(root, "prod-cn-north", "version: 3.0.1", "version: 3.1.0")
    changelog = root / "stacks" / "CHANGELOG" / "prod-cn-north.md"
    changelog.write_text(
        changelog.read_text().replace("## [3.0.1]", "## [3.1.0] - 2026-01-16\n\nHand-written.\n\n## [3.0.1]", 1)
    )
    git(root, "commit", "-q", "-am", "drop the big pool")
    try:
        tags = git(root, "tag", "--list")
        code, _, err = release_north(capsys, root, opa_url)
        assert code == 1
        assert "the gate denies the plan of prod-cn-north 3.1.0 (IF-VER-002); not tagged" in err
        assert git(root, "tag", "--list") == tags
    finally:
        git(root, "revert", "--no-edit", "HEAD")
    assert "version: 3.0.1" in path.read_text()


SNAPSHOTS = Path(__file__).with_name("snapshots")
COMMENT_SCENARIOS = ["add_pool", "scale_pool", "change_flavor", "delete_link", "move_canary", "nothing"]


@pytest.mark.parametrize("scenario", COMMENT_SCENARIOS)
def test_review_comment_of_each_scenario_matches_its_snapshot(outcomes: dict[str, Outcome], scenario: str) -> None:
    """The pull-request comment of each kind of change, as a reviewer reads it (UPDATE_SNAPSHOTS=1 rewrites)."""
    text = render(Review(head="0" * 40, stacks=(StackReview(diff=outcomes[scenario].diff),)))
    snapshot = SNAPSHOTS / f"comment-{scenario}.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text)
    assert text == snapshot.read_text()


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-45"])
def test_a_stack_file_value_the_round_trip_reader_cannot_build_is_named(tmp_path: Path, value: str) -> None:
    """The spec reader keeps such a value as a string; the round-trip reader of `stack bump` resolves
    it as a date and Python refuses the day (it was an internal error)."""
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(f"config:\n  {FLEET_CONFIG_KEY}:\n    version: 1.0.0\n    tags: {{since: {value}}}\n")
    with pytest.raises(SpecError, match=r"Pulumi.x.yaml: holds a value that cannot be read \(.*\); quote it"):
        declared_version(path)


@pytest.mark.parametrize("version", ["1.0.1+a.lock", "1.0.1+" + "a" * 300])
def test_a_version_that_cannot_be_a_tag_name_is_refused_before_planning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    """Valid semver, no valid git ref: `git tag` failed at the very end (exit 3), after the plan and the gate."""
    root = init_repo(tmp_path / "repo")
    stack_file = root / "stacks" / "Pulumi.prod-cn-north.yaml"
    text = stack_file.read_text()
    stack_file.write_text(text.replace("version: 1.0.0", f"version: {version}", 1))
    changelog = root / "stacks" / "CHANGELOG" / "prod-cn-north.md"
    changelog.write_text(changelog.read_text() + f"\n## [{version}] - 2026-12-03\n\nA release.\n")
    git(root, "commit", "-q", "-am", "release")
    code, _, err = release_north(capsys, root, "http://127.0.0.1:9")
    assert code == 2
    assert "fleet.version" in err
    assert "which is not a git tag name" in err
    assert git(root, "tag", "--list", "stacks/prod-cn-north/*") == "stacks/prod-cn-north/v1.0.0"
