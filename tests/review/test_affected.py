"""The affected-stack finder on a real git repository built from the reference stacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from stackfiles import REPO, STACKS

from inferfleet.cli.app import main
from inferfleet.gitrepo import GitRefError, Repository
from inferfleet.review.affected import affected_stacks
from inferfleet.spec.load import list_stacks, load_stack

MODULE_USERS = {
    "prod-cn-east": {"inferfleet-vpc", "inferfleet-gpu-instance", "inferfleet-inference-service"},
    "staging-cn-south": {"inferfleet-vpc", "inferfleet-gpu-instance"},
}


def git(root: Path, *args: str) -> str:
    completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return completed.stdout.strip()


@pytest.fixture
def fleet_repo(tmp_path: Path) -> Path:
    """A repository with the reference stacks, the modules' metadata, a policy and docs, one commit."""
    root = tmp_path / "fleet"
    shutil.copytree(STACKS, root / "stacks")
    for pyproject in (REPO / "modules").glob("*/pyproject.toml"):
        target = root / pyproject.relative_to(REPO)
        target.parent.mkdir(parents=True)
        shutil.copy(pyproject, target)
        (target.parent / "README.md").write_text("# module\n")
    (root / "modules/gpu_instance/inferfleet_gpu_instance").mkdir()
    (root / "modules/gpu_instance/inferfleet_gpu_instance/tuning.py").write_text("PROFILE = 1\n")
    (root / "policies/opa/regions").mkdir(parents=True)
    (root / "policies/opa/regions/data.yaml").write_text("regions: []\n")
    (root / "docs").mkdir()
    (root / "docs/guide.md").write_text("guide\n")
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "ci")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "fleet")
    return root


def change(root: Path, path: str, text: str | None) -> str:
    """Commit `text` at `path` (None deletes it) and return the previous commit."""
    before = git(root, "rev-parse", "HEAD")
    target = root / path
    if text is None:
        target.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"change {path}")
    return before


def find(root: Path, base: str, modules_of: Callable[[str], set[str]] | None = None) -> dict[str, tuple[str, ...]]:
    repo = Repository(root)
    stacks = root / "stacks"
    result = affected_stacks(
        repo,
        repo.commit(base),
        repo.commit("HEAD"),
        stacks_at_head=list_stacks(stacks),
        links_of=lambda stack: [link.stack for link in load_stack(stacks, stack).fleet.links],
        modules_of=lambda stack: dict.fromkeys((modules_of or (lambda _: set()))(stack), "0.1.0"),
    )
    return {item.stack: item.reasons for item in result.stacks}


def test_a_stack_file_change_affects_that_stack_and_the_stacks_linked_to_it(fleet_repo: Path) -> None:
    stack_file = fleet_repo / "stacks/Pulumi.prod-cn-north.yaml"
    base = change(fleet_repo, "stacks/Pulumi.prod-cn-north.yaml", stack_file.read_text() + "# a comment\n")
    found = find(fleet_repo, base)
    assert set(found) == {"prod-cn-north", "prod-cn-south"}  # prod-cn-south links to prod-cn-north
    assert found["prod-cn-north"] == ("its stack file stacks/Pulumi.prod-cn-north.yaml changed",)
    assert found["prod-cn-south"] == ("it links to prod-cn-north, which changed (reads its outputs)",)


def test_a_module_change_affects_the_stacks_whose_plans_use_it(fleet_repo: Path) -> None:
    base = change(fleet_repo, "modules/gpu_instance/inferfleet_gpu_instance/tuning.py", "PROFILE = 2\n")
    found = find(fleet_repo, base, lambda stack: MODULE_USERS.get(stack, {"inferfleet-vpc"}))
    assert set(found) == {"prod-cn-east", "staging-cn-south"}
    assert found["staging-cn-south"][0].startswith("it uses inferfleet-gpu-instance, whose modules/gpu_instance/")


@pytest.mark.parametrize("pyproject", ['project = "not a table"\n', "[project]\nname = 7\n", "not toml ["])
def test_a_module_with_a_malformed_pyproject_is_named_after_its_folder(fleet_repo: Path, pyproject: str) -> None:
    """A pull request can put anything in a pyproject: its module is still found, under the folder's name."""
    change(fleet_repo, "modules/gpu_instance/pyproject.toml", pyproject)
    base = change(fleet_repo, "modules/gpu_instance/inferfleet_gpu_instance/tuning.py", "PROFILE = 2\n")
    git(fleet_repo, "rm", "-q", "modules/gpu_instance/pyproject.toml")  # at neither commit a readable name
    found = find(fleet_repo, base, lambda stack: MODULE_USERS.get(stack, {"inferfleet-vpc"}))
    assert found["staging-cn-south"][0].startswith("it uses inferfleet-gpu-instance, whose modules/gpu_instance/")


def test_module_docs_docs_and_tests_affect_no_stack(fleet_repo: Path) -> None:
    base = change(fleet_repo, "modules/vpc/README.md", "# changed\n")
    change(fleet_repo, "docs/guide.md", "changed\n")
    change(fleet_repo, "tests/test_x.py", "x = 1\n")
    assert find(fleet_repo, base, lambda _: {"inferfleet-vpc"}) == {}


@pytest.mark.parametrize("path", ["policies/opa/regions/data.yaml", "pyproject.toml", "scripts/deploy.sh"])
def test_toolkit_policies_and_unknown_paths_affect_every_stack(fleet_repo: Path, path: str) -> None:
    base = change(fleet_repo, path, "changed: true\n")
    found = find(fleet_repo, base)
    assert set(found) == set(list_stacks(fleet_repo / "stacks"))
    assert path in found["prod-us-west"][0]


def test_a_deleted_stack_is_affected_and_said_to_be_gone(fleet_repo: Path) -> None:
    base = change(fleet_repo, "stacks/Pulumi.prod-us-west.yaml", None)
    repo = Repository(fleet_repo)
    result = affected_stacks(
        repo,
        repo.commit(base),
        repo.commit("HEAD"),
        stacks_at_head=list_stacks(fleet_repo / "stacks"),
        links_of=lambda _: [],
        modules_of=lambda _: {},
    )
    assert [(item.stack, item.exists_at_head) for item in result.stacks] == [("prod-us-west", False)]


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "a b", "HEAD;id", "x" * 300])
def test_a_bad_ref_is_an_input_error_naming_it(fleet_repo: Path, ref: str) -> None:
    with pytest.raises(GitRefError, match="--base"):
        Repository(fleet_repo).commit(ref, label="--base")


def test_the_command_prints_json_and_refuses_a_bad_ref(
    fleet_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = fleet_repo / "stacks/Pulumi.prod-us-west.yaml"
    base = change(fleet_repo, "stacks/Pulumi.prod-us-west.yaml", stack_file.read_text() + "# tweak\n")
    monkeypatch.chdir(fleet_repo)
    assert main(["affected", "--base", base, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "inferfleet.affected/v1"
    assert document["base"] == base
    assert [item["stack"] for item in document["stacks"]] == ["prod-us-west"]
    assert main(["affected", "--base", "does-not-exist"]) == 2
    assert "does-not-exist" in capsys.readouterr().err


def test_the_table_shows_a_file_name_with_a_newline_or_an_escape_as_one_line_of_text(
    fleet_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = change(fleet_repo, "stacks/notes\nPASS \x1b[2J[bold]x.md", "a file name anyone can commit\n")
    monkeypatch.chdir(fleet_repo)
    assert main(["affected", "--base", base]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "stacks/notes\\nPASS" in err  # the newline shown as \n: the path stays on its line
    assert "\\x1b[2J[bold]x.md" in err  # the escape shown as text, the markup too


def test_a_file_name_that_is_not_utf8_is_shown_with_escapes_in_json(
    fleet_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = os.fsdecode(b"docs/bad\xff\xfename")  # git allows any bytes but NUL in a file name
    base = change(fleet_repo, name, "a file name anyone can commit\n")
    monkeypatch.chdir(fleet_repo)
    assert main(["affected", "--base", base, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["changed_paths"] == ["docs/bad\\xff\\xfename"]


@pytest.mark.parametrize(
    ("pyproject", "code"),
    [
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", 0),  # deeper than tomllib recurses: not a name, the folder's then
        ("# padding\n" * 120_000, 2),  # over 1 MiB: never read whole
    ],
)
def test_a_module_pyproject_too_deep_or_too_large_is_never_a_crash(
    fleet_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pyproject: str, code: int
) -> None:
    change(fleet_repo, "modules/vpc/pyproject.toml", pyproject)
    base = change(fleet_repo, "modules/vpc/inferfleet_vpc/network.py", "CIDR = 1\n")
    monkeypatch.chdir(fleet_repo)
    assert main(["affected", "--base", base]) == code
    err = capsys.readouterr().err
    assert "internal error" not in err
    if code == 2:
        assert "modules/vpc/pyproject.toml at " in err
        assert "over 1048576 bytes" in err
