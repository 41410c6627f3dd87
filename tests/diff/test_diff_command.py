"""`inferfleet diff` on plan files and `pulumi preview --json` documents, and every bad input it refuses."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fleet_repo import init_repo
from stackfiles import REPO, STACKS

from inferfleet.cli.app import main
from inferfleet.errors import SpecError
from inferfleet.plan import Planner, dumps
from inferfleet.release.stack import prepend_entry

pytestmark = pytest.mark.slow
SCHEMA = json.loads((REPO / "docs" / "diff.schema.json").read_text())
STACK = "prod-cn-north"
FLEET = {"env": "prod", "cloud": "huaweicloud", "region": "cn-north-4", "version": "1.0.0"}


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    return copy.deepcopy(dict(Planner(STACKS).plan(STACK)))


def by_name(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in document["resources"] if r["name"] == name)


def preview_of(plan: dict[str, Any], ops: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The shape `pulumi preview --json` prints for a plan's resources: one step per resource."""
    steps = []
    for resource in plan["resources"]:
        state = {
            "urn": resource["urn"],
            "type": resource["type"],
            "custom": resource["custom"],
            "parent": resource["parent"] or "",
            "provider": f"{resource['provider']}::04da6b54" if resource["provider"] else "",
            "inputs": resource["inputs"],
            "protect": resource["options"].get("protect", False),
        }
        step: dict[str, Any] = {"op": "same", "urn": resource["urn"], "newState": state, "oldState": state}
        step.update((ops or {}).get(resource["name"], {}))
        steps.append(step)
    return {"config": {"inference-fleet:fleet": json.dumps(FLEET)}, "steps": steps}


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["diff", "--no-gate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def replaced_config(plan: dict[str, Any]) -> dict[str, Any]:
    head = copy.deepcopy(plan)
    config = by_name(head, "nvidia-scaling-config")
    config["inputs"]["instanceConfig"]["flavor"] = "p3.16xlarge.8"
    return head


def test_two_previews_take_replacement_from_the_step(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head_plan = replaced_config(plan)
    by_name(head_plan, "nvidia-group")["inputs"]["desireInstanceNumber"] = 1
    head = preview_of(
        head_plan,
        {
            "nvidia-scaling-config": {"op": "replace", "replaceReasons": ["instanceConfig"]},
            "nvidia-group": {"op": "update"},
        },
    )
    head["steps"] = [s for s in head["steps"] if not s["urn"].endswith("::prod-cn-north-sg")]
    code, out, err = run(
        capsys,
        "--base-plan",
        write(tmp_path / "base.json", preview_of(plan)),
        "--head-plan",
        write(tmp_path / "head.json", head),
        "--json",
    )
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    (stack,) = document["stacks"]
    assert stack["base"]["source"] == stack["head"]["source"] == "preview"
    assert stack["counts"] == {"create": 0, "update": 1, "replace": 1, "delete": 1, "unchanged": 11}
    changes = {c["name"]: c for c in stack["changes"]}
    # The step's own reasons win over the offline table's for the same property.
    assert changes["nvidia-scaling-config"]["replace_reasons"] == [{"property": "instanceConfig", "source": "preview"}]
    assert changes["prod-cn-north-sg"]["op"] == "delete"
    # The group's flavor (on the replaced configuration) changes: both 1-GPU nodes are recreated.
    assert changes["nvidia-group"]["flags"]["capacity_lost"] == {
        "accelerators": 2,
        "accelerator": "nvidia-a100-80g",
        "nodes": 2,
        "reason": "flavor changed: its nodes are recreated with the new flavor",
    }
    assert stack["accelerators_lost"] == 2
    assert stack["implied_bump"] == "major"


def test_a_plan_against_a_preview_mixes_both_sources(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = preview_of(replaced_config(plan), {"nvidia-scaling-config": {"op": "replace", "replaceReasons": ["x"]}})
    code, out, _ = run(
        capsys,
        "--base-plan",
        write(tmp_path / "base.json", dumps(plan)),
        "--head-plan",
        write(tmp_path / "head.json", head),
        "--json",
    )
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    assert (stack["base"]["source"], stack["head"]["source"]) == ("plan", "preview")
    config = next(c for c in stack["changes"] if c["name"] == "nvidia-scaling-config")
    assert {"property": "x", "source": "preview"} in config["replace_reasons"]
    assert stack["counts"]["replace"] == 1


def test_identical_inputs_give_byte_identical_json(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write(tmp_path / "base.json", dumps(plan))
    head = write(tmp_path / "head.json", dumps(replaced_config(plan)))
    first = run(capsys, "--base-plan", base, "--head-plan", head, "--json")
    second = run(capsys, "--base-plan", base, "--head-plan", head, "--json")
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    assert first[1].endswith("}\n")


def test_secrets_stay_masked_and_unknowns_stay_unknown(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = copy.deepcopy(plan)
    head = copy.deepcopy(plan)
    by_name(base, "nvidia-group")["inputs"]["adminPass"] = "(sensitive value)"
    by_name(head, "nvidia-group")["inputs"]["adminPass"] = "(sensitive value)"
    by_name(head, "nvidia-group")["inputs"]["description"] = "(known after apply)"
    code, out, _ = run(
        capsys,
        "--base-plan",
        write(tmp_path / "b.json", dumps(base)),
        "--head-plan",
        write(tmp_path / "h.json", dumps(head)),
        "--json",
    )
    assert code == 0
    group = next(c for c in json.loads(out)["stacks"][0]["changes"] if c["name"] == "nvidia-group")
    assert group["properties"] == [{"path": "description", "before": None, "after": "(known after apply)"}]


def test_plans_of_two_stacks_are_refused(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = dict(Planner(STACKS).plan("staging-cn-south"))
    code, out, err = run(
        capsys,
        "--base-plan",
        write(tmp_path / "base.json", dumps(plan)),
        "--head-plan",
        write(tmp_path / "head.json", dumps(other)),
    )
    assert code == 2
    assert out == ""
    assert "is the plan of stack 'prod-cn-north' but" in err
    assert "a diff compares two plans of one stack" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": "inferfleet.plan/v1", "resources": [', "looks truncated"),
        ('{"steps": "all of them"}', "steps: expected a list of steps"),
        ('{"format": "inferfleet.plan/v1", "project": "p"}', "stack: expected a string (missing)"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_malformed_plan_or_preview_is_an_input_error(
    text: str, expected: str, plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "--base-plan",
        write(tmp_path / "bad.json", text),
        "--head-plan",
        write(tmp_path / "h.json", dumps(plan)),
    )
    assert code == 2
    assert out == ""
    assert expected in err
    assert "Traceback" not in err


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    """A repository whose only commit has no stack yet (the stack file is added, uncommitted)."""
    root = tmp_path / "repo"
    (root / "stacks").mkdir(parents=True)
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "T")
    (root / "stacks" / ".keep").write_text("")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "empty")
    shutil.copyfile(STACKS / "Pulumi.staging-cn-south.yaml", root / "stacks" / "Pulumi.staging-cn-south.yaml")
    return root


def test_a_base_ref_that_does_not_exist_is_an_input_error(small_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "-s", "staging-cn-south", "--base", "no-such-branch", "--stacks-dir", str(small_repo / "stacks")
    )
    assert code == 2
    assert "--base 'no-such-branch': no such commit" in err
    assert git(small_repo, "worktree", "list").count("\n") == 0


def test_a_base_ref_naming_a_tree_says_so(small_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "-s", "staging-cn-south", "--base", "HEAD^{tree}", "--stacks-dir", str(small_repo / "stacks")
    )
    assert code == 2
    assert "--base 'HEAD^{tree}': names a tree, not a commit" in err


def test_a_base_without_the_stack_creates_everything_and_says_so(
    small_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "-s", "staging-cn-south", "--base", "HEAD", "--json", "--stacks-dir", str(small_repo / "stacks")
    )
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    assert stack["base"]["source"] == "absent"
    assert stack["counts"]["create"] == len(stack["changes"]) > 0
    assert stack["counts"]["update"] == stack["counts"]["delete"] == stack["counts"]["unchanged"] == 0
    assert stack["implied_bump"] == "minor"
    assert stack["notes"] == ["stack staging-cn-south does not exist at the base: every resource is created"]
    assert "does not exist at the base" in err


def test_a_base_pinning_other_dependency_versions_is_refused(
    small_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (small_repo / "pyproject.toml").write_text('[project]\nname = "inferfleet"\ndependencies = ["orjson==0.0.1"]\n')
    git(small_repo, "add", "-A")
    git(small_repo, "commit", "-q", "-m", "pin")
    code, out, err = run(capsys, "-s", "staging-cn-south", "--base", "HEAD", "--stacks-dir", str(small_repo / "stacks"))
    assert code == 2
    assert out == ""
    assert (
        "--base HEAD needs other dependency versions than this environment has: pyproject.toml needs orjson==0.0.1"
        in err
    )
    assert "--base-plan" in err


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ('project = "inferfleet"\n', "pyproject.toml: project: expected a table"),
        ("[project]\nname = 7\n", "pyproject.toml: project.name: expected a string"),
        (
            '[project]\nname = "inferfleet"\ndependencies = "orjson"\n',
            "pyproject.toml: project.dependencies: expected a list",
        ),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "pyproject.toml is nested too deeply to be read as TOML"),
    ],
)
def test_a_base_with_a_malformed_pyproject_is_an_input_error(
    small_repo: Path, capsys: pytest.CaptureFixture[str], pyproject: str, expected: str
) -> None:
    (small_repo / "pyproject.toml").write_text(pyproject)
    git(small_repo, "add", "-A")
    git(small_repo, "commit", "-q", "-m", "malformed")
    code, out, err = run(capsys, "-s", "staging-cn-south", "--base", "HEAD", "--stacks-dir", str(small_repo / "stacks"))
    assert code == 2
    assert out == ""
    assert f"--base HEAD: {expected}" in err


def test_a_stack_version_that_is_not_semver_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    text = (STACKS / "Pulumi.staging-cn-south.yaml").read_text()
    (stacks / "Pulumi.staging-cn-south.yaml").write_text(text.replace("version: 0.4.0-rc.1", "version: '1.0'"))
    capsys.readouterr()
    code = main(["stack", "bump", "-s", "staging-cn-south", "--stacks-dir", str(stacks)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Pulumi.staging-cn-south.yaml: fleet.version: expected a semver version like 1.2.3, got '1.0'" in err
    assert not (stacks / "CHANGELOG").exists()


def test_a_base_pyproject_linked_to_a_fifo_is_refused_without_waiting(
    small_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    (small_repo / "pyproject.toml").symlink_to(fifo)
    git(small_repo, "add", "-A")
    git(small_repo, "commit", "-q", "-m", "a link a pull request can commit")
    code, out, err = run(capsys, "-s", "staging-cn-south", "--base", "HEAD", "--stacks-dir", str(small_repo / "stacks"))
    assert code == 2
    assert out == ""
    assert "--base HEAD: pyproject.toml cannot be read (not a regular file)" in err


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda path, outside: path.symlink_to("/dev/zero"),
            "is a symbolic link; stack files and changelogs are rewritten in place",
        ),
        (
            lambda path, outside: path.symlink_to(outside),
            "is a symbolic link; stack files and changelogs are rewritten in place",
        ),
        (
            lambda path, outside: path.write_text("config:\n  x: " + "[" * 3000 + "]" * 3000 + "\n"),
            "config.x: malformed YAML at line 2: exceeded maximum nesting depth",
        ),
        (
            lambda path, outside: path.write_text("config:\n  a: 1\n  a: 2\n"),
            "config.a: line 3: duplicate key 'a' (first at line 2, again at line 3)",
        ),
    ],
)
def test_stack_bump_reads_the_stack_file_as_strictly_as_plan(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path, Path], object],
    expected: str,
) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    outside = tmp_path / "outside.yaml"
    outside.write_text((STACKS / "Pulumi.staging-cn-south.yaml").read_text())
    make(stacks / "Pulumi.evil.yaml", outside)
    before = outside.read_text()
    capsys.readouterr()
    code = main(["stack", "bump", "-s", "evil", "--stacks-dir", str(stacks)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Pulumi.evil.yaml" in err
    assert expected in err
    assert outside.read_text() == before


def test_a_changelog_that_is_a_symbolic_link_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "bashrc"
    outside.write_text("export PATH=/usr/bin\n")
    changelog = tmp_path / "stacks" / "CHANGELOG" / "prod-cn-south.md"
    changelog.parent.mkdir(parents=True)
    changelog.symlink_to(outside)  # what a pull request can commit
    with pytest.raises(SpecError, match="is a symbolic link"):
        prepend_entry(changelog, "prod-cn-south", "## [1.0.1] - 2026-12-03\n")
    assert outside.read_text() == "export PATH=/usr/bin\n"
    assert changelog.is_symlink()


def test_diff_needs_exactly_one_base(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-s", STACK)
    assert code == 2
    assert "give exactly one base: --base REF (a git ref) or --base-plan FILE" in err


def test_an_update_of_a_type_the_table_does_not_know_is_said_to_be_undecided(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = copy.deepcopy(plan), copy.deepcopy(plan)
    for document in (base, head):
        by_name(document, "nvidia-group")["type"] = "acme:compute/pool:Pool"
    by_name(head, "nvidia-group")["inputs"]["desireInstanceNumber"] = 3
    code, out, _ = run(
        capsys,
        "--base-plan",
        write(tmp_path / "b.json", dumps(base)),
        "--head-plan",
        write(tmp_path / "h.json", dumps(head)),
        "--json",
    )
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    assert stack["counts"]["update"] == 1
    assert stack["notes"] == [
        "acme:compute/pool:Pool is not in the replace-forcing table: "
        "whether its updates replace it is not known offline"
    ]


def test_console_report_never_passes_control_characters_through(
    plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = copy.deepcopy(plan)
    by_name(head, "prod-cn-north-vpc")["inputs"]["tags"]["team"] = "\x1b[2Jteam[/]\nowned"
    code, _, err = run(
        capsys,
        "--base-plan",
        write(tmp_path / "b.json", dumps(plan)),
        "--head-plan",
        write(tmp_path / "h.json", dumps(head)),
    )
    assert code == 0
    assert "\x1b" not in err
    assert "tags.team: inference-platform -> \\x1b[2Jteam[/] owned" in err


def test_console_report_keeps_property_lines_whole_and_names_unstyled(plan: dict[str, Any]) -> None:
    from rich.console import Console

    from inferfleet.diff import diff_plans
    from inferfleet.diff.model import Side
    from inferfleet.diff.report import console_report, diff_document

    head = copy.deepcopy(plan)
    by_name(head, "prod-cn-north-vpc")["inputs"]["tags"]["team"] = "platform-" + "x" * 70
    side: Side = {"source": "plan", "ref": None, "stack_version": "1.0.0"}
    document = diff_document([diff_plans(plan, head, base_side=side, head_side=side)])
    terminal = Console(record=True, force_terminal=True, color_system="standard", width=60)
    console_report(document, terminal)
    text = terminal.export_text(styles=True)

    # A property's path and values are one line, however narrow the terminal (searchable, copyable).
    assert f"tags.team: inference-platform -> platform-{'x' * 70}\n" in text
    # Values and names are shown as written, whatever console the report is given: no highlighter
    # colours parts of them (rich's default one takes the `d:Cc` of `huaweicloud:Cc/...` for an IPv6
    # address).
    assert "  \x1b[33m~\x1b[0m huaweicloud:Vpc/vpc:Vpc \x1b[1mprod-cn-north-vpc\x1b[0m\n" in text
    assert "  \x1b[32m0 to create\x1b[0m, \x1b[33m1 to update\x1b[0m," in text


def test_a_change_that_deletes_a_stack_shows_every_resource_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = init_repo(tmp_path / "repo")
    git(root, "rm", "-q", "stacks/Pulumi.prod-cn-south.yaml")
    git(root, "commit", "-q", "-m", "delete the stack")
    comment = tmp_path / "comment.md"
    code, out, err = run(
        capsys,
        *("--changed", "--base", "HEAD~1", "--json", "--markdown", str(comment)),
        *("--stacks-dir", str(root / "stacks")),
    )
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA)
    (stack,) = document["stacks"]
    assert stack["stack"] == "prod-cn-south"
    assert stack["head"] == {"source": "absent", "ref": None, "stack_version": None}
    assert stack["counts"]["delete"] == len(stack["changes"]) > 10
    assert stack["counts"]["create"] == stack["counts"]["update"] == stack["counts"]["unchanged"] == 0
    assert {change["op"] for change in stack["changes"]} == {"delete"}
    assert stack["implied_bump"] == "major"
    assert stack["version"] == {
        "base": "1.0.0",
        "head": None,
        "declared_bump": "deleted",
        "implied_bump": "major",
        "sufficient": True,
    }
    assert stack["accelerators_lost"] > 0
    assert "the change deletes stack prod-cn-south (no stack file at the head)" in stack["notes"][0]
    text = comment.read_text()
    assert "No stack is affected" not in text
    assert "→ deleted (the change deletes the stack)" in text
    assert "**stateful: VPC**" in text


@pytest.mark.parametrize(
    ("nodes", "implied", "lost"),
    [(3, "minor", 0), (1, "major", 1), (2, "patch", 0)],
    ids=["more GPUs: minor", "fewer GPUs: major", "same GPUs: patch"],
)
def test_capacity_decides_the_bump_of_a_pool_updated_in_place(
    nodes: int, implied: str, lost: int, *, plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A node count is an in-place update to Pulumi, but GPUs gained are a feature and GPUs lost break
    whoever relies on them (a pool going from 2 nodes to 0 was a patch)."""
    head = copy.deepcopy(plan)
    group = by_name(head, "nvidia-group")
    assert group["inputs"]["desireInstanceNumber"] == 2
    group["inputs"]["desireInstanceNumber"] = nodes
    by_name(head, "prod-cn-north-vpc")["inputs"]["tags"]["team"] = "gpu-platform"  # an update in any case
    code, out, _ = run(
        capsys,
        "--base-plan",
        write(tmp_path / "b.json", dumps(plan)),
        "--head-plan",
        write(tmp_path / "h.json", dumps(head)),
        "--json",
        "--no-gate",
    )
    assert code == 0
    (stack,) = json.loads(out)["stacks"]
    assert (stack["implied_bump"], stack["accelerators_lost"]) == (implied, lost)
