"""`inferfleet plan`: outputs, exit codes, and nothing written when the input is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from stackfiles import STACKS, WriteStack, reference_config

from inferfleet.cli import console
from inferfleet.cli.app import main
from inferfleet.plan import PLAN_FORMAT


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plan_writes_the_document_and_shows_the_tree(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    code, stdout, stderr = run(capsys, "plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "--out", str(out))
    assert code == 0
    document = json.loads(out.read_text())
    assert document["format"] == PLAN_FORMAT
    assert "resources by type" in stderr
    assert "pulumi:pulumi:Stack" in stderr
    assert stdout == ""


def test_plan_json_goes_to_stdout_as_the_document_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    args = ("plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "--json", "--out", str(out))
    code, stdout, _ = run(capsys, *args)
    assert code == 0
    assert json.loads(stdout)["stack"] == "staging-cn-south"
    assert stdout == out.read_text()  # machine output is the canonical text, byte for byte


@pytest.mark.parametrize(
    ("text", "written"), [("{}", "{}\n"), ("{\n}\n", "{\n}\n"), ('"a\\u001b[2Jb"', '"a\\u001b[2Jb"\n')]
)
def test_machine_output_is_written_as_given_with_one_final_newline(
    capsys: pytest.CaptureFixture[str], text: str, written: str
) -> None:
    console.emit(text)
    assert capsys.readouterr().out == written


def test_plan_all_writes_one_document_per_stack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, stderr = run(capsys, "plan", "--all", "--stacks-dir", str(STACKS), "--out", str(tmp_path))
    assert code == 0
    written = sorted(path.name for path in tmp_path.glob("*.plan.json"))
    assert written == sorted(f"{path.name[7:-5]}.plan.json" for path in STACKS.glob("Pulumi.*.yaml"))
    assert "planned stacks" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of --stack/-s NAME or --all"),
        (["-s", "prod-cn-south", "--all"], "give exactly one of --stack/-s NAME or --all"),
        (["--bogus"], "No such option: --bogus"),
        (["-s", "Prod!"], "'Prod!' is not a stack name"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, stdout, stderr = run(capsys, "plan", *args)
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr + stdout


def test_a_bad_stack_exits_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], write_stack: WriteStack, tmp_path: Path
) -> None:
    config = reference_config("staging-cn-south")
    config["inference-fleet:fleet"]["pools"][0]["count"] = -1
    stacks = write_stack("dev-x", config)
    out = tmp_path / "out" / "plan.json"
    code, _, stderr = run(capsys, "plan", "-s", "dev-x", "--stacks-dir", str(stacks), "--out", str(out))
    assert code == 2
    assert "Pulumi.dev-x.yaml: fleet.pools[0].count:" in " ".join(stderr.split())
    assert not out.exists()
    assert "Traceback" not in stderr


def test_a_missing_stack_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, "plan", "-s", "prod-cn-nowhere", "--stacks-dir", str(STACKS))
    assert code == 2
    assert "no such stack file" in stderr


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "--version")
    assert code == 0
    assert stdout.startswith("inferfleet ")


def test_a_large_pool_is_summarised_in_the_tree(capsys: pytest.CaptureFixture[str]) -> None:
    from inferfleet.cli.plan import show_plan

    def resource(name: str, type_: str, parent: str | None) -> dict[str, object]:
        urn = f"urn:pulumi:s::p::{type_}::{name}"
        return {"urn": urn, "type": type_, "name": name, "parent": parent, "options": {"protect": False}}

    stack = resource("s", "pulumi:pulumi:Stack", None)
    nodes = [resource(f"node-{i:02}", "huaweicloud:Ecs/instance:Instance", stack["urn"]) for i in range(20)]
    document = {"stack": "s", "stack_version": "1.0.0", "cloud": "c", "region": "r", "env": "dev"}
    show_plan({**document, "resources": [stack, *nodes]})
    tree = capsys.readouterr().err
    assert "node-02" in tree
    assert "node-03" not in tree
    assert "... and 17 more huaweicloud:Ecs/instance:Instance" in tree
    assert "│ huaweicloud:Ecs/instance:Instance │ 20" in tree


@pytest.mark.parametrize("target", ["/dev/zero", "folder", "nowhere"])
def test_a_stack_file_that_is_not_a_regular_file_is_said_to_be_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str
) -> None:
    """Not "no such stack file (did you mean 'x'?)", naming the very stack asked for."""
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (tmp_path / "folder").mkdir()
    (stacks / "Pulumi.x.yaml").symlink_to(target if target.startswith("/") else tmp_path / target)
    code, _, stderr = run(capsys, "plan", "-s", "x", "--stacks-dir", str(stacks))
    assert code == 2
    assert "Pulumi.x.yaml: is not a regular file; a stack file is a YAML file" in stderr


def test_plan_all_writes_every_plan_or_none(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A path that cannot be written (a folder where a plan goes) left the plans written before it."""
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for name in ("prod-us-west", "staging-cn-south"):
        shutil.copyfile(STACKS / f"Pulumi.{name}.yaml", stacks / f"Pulumi.{name}.yaml")
    out = tmp_path / "plans"
    (out / "staging-cn-south.plan.json").mkdir(parents=True)  # sorted after prod-us-west: written second
    code, _, stderr = run(capsys, "plan", "--all", "--stacks-dir", str(stacks), "--out", str(out), "--json")
    assert code == 2
    assert "staging-cn-south.plan.json: is a folder" in stderr
    assert sorted(path.name for path in out.iterdir()) == ["staging-cn-south.plan.json"]  # no plan, no temporary
    shutil.rmtree(out / "staging-cn-south.plan.json")
    code, _, _ = run(capsys, "plan", "--all", "--stacks-dir", str(stacks), "--out", str(out), "--json")
    assert code == 0
    assert sorted(path.name for path in out.iterdir()) == ["prod-us-west.plan.json", "staging-cn-south.plan.json"]
