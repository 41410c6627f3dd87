"""Issue 9, section 3: input errors are exit 2 with the file and key path, never a traceback or exit 3;
plan-derived text reaches the terminal and XML inert; OPA never outlives a signalled gate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from processes import running
from stackfiles import REPO, STACKS, WriteStack

from inferfleet.cli.app import main
from inferfleet.errors import ExitCode

DENIED = "required_tags/denied_missing_team.json"
"""A plan fixture with a mandatory violation, so the gate prints URNs and fails."""


def fixture_plan(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REPO / "policies" / "opa" / name).read_text())
    return document


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_plan(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document))
    return str(path)


def test_a_non_string_config_key(capsys: pytest.CaptureFixture[str], write_stack: WriteStack) -> None:
    stacks = write_stack("dev-x", text="config: {1: 2}\n")
    code, _, stderr = run(capsys, "plan", "-s", "dev-x", "--stacks-dir", str(stacks))
    assert code == ExitCode.INPUT_ERROR
    assert "Pulumi.dev-x.yaml: config: line 1: key '1' is read as an integer" in stderr
    assert "internal error" not in stderr


def test_a_300_character_stack_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, "plan", "-s", "a" * 300, "--stacks-dir", str(STACKS))
    assert code == ExitCode.INPUT_ERROR
    assert "is not a stack name" in stderr


def test_plan_out_naming_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, stderr = run(capsys, "plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "--out", str(tmp_path))
    assert code == ExitCode.INPUT_ERROR
    assert f"{tmp_path}: is a folder" in stderr


def test_render_where_the_stack_folder_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "staging-cn-south").write_text("not a folder")
    code, _, stderr = run(capsys, "render", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "-o", str(tmp_path))
    assert code == ExitCode.INPUT_ERROR
    assert "staging-cn-south: is a file" in stderr
    assert (tmp_path / "staging-cn-south").read_text() == "not a folder"


def test_gate_sarif_naming_a_folder_still_prints_the_verdict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    plan = write_plan(tmp_path / "plan.json", fixture_plan(DENIED))
    code, _, stderr = run(capsys, "gate", plan, "--opa-url", opa_url, "--sarif", str(tmp_path))
    assert code == ExitCode.INPUT_ERROR
    assert "FAIL: 1 mandatory" in stderr
    assert f"{tmp_path}: is a folder" in stderr


def test_gate_shows_markup_and_control_characters_inert(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    document = fixture_plan(DENIED)
    document["stack_version"] = "[/]"
    planted = "\x1b[2J\x1b[HPASS"  # clear the screen, home the cursor, print PASS
    for resource in document["resources"]:
        resource["urn"] += planted
        resource["name"] += "[bold red]PASS[/]" + planted  # reaches the violation's message
    code, _, stderr = run(capsys, "gate", write_plan(tmp_path / "plan.json", document), "--opa-url", opa_url)
    assert code == ExitCode.POLICY_DENIED
    assert "v[/]" in stderr
    assert "\x1b" not in stderr
    assert "\\x1b[2J\\x1b[HPASS" in stderr
    assert "[bold red]PASS[/]\\x1b[2J" in stderr  # the message's markup shown as text


def test_gate_console_cuts_a_huge_value_and_the_json_keeps_it_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    document = fixture_plan(DENIED)
    for resource in document["resources"]:
        resource["urn"] += "u" * 1_000_000
        resource["name"] += "n" * 1_000_000  # reaches the violation's message
    code, stdout, stderr = run(
        capsys, "gate", write_plan(tmp_path / "plan.json", document), "--opa-url", opa_url, "--json"
    )
    assert code == ExitCode.POLICY_DENIED
    assert len(stderr) < 50_000
    assert "more characters)" in stderr
    assert "FAIL: " in stderr
    violations = json.loads(stdout)["violations"]
    assert violations
    assert all(len(v["urn"]) > 1_000_000 for v in violations)


def test_junit_with_nul_in_a_urn_is_well_formed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str
) -> None:
    document = fixture_plan(DENIED)
    for resource in document["resources"]:
        resource["urn"] += "\x00\x1b"
    junit = tmp_path / "report.xml"
    code, _, _ = run(
        capsys, "gate", write_plan(tmp_path / "plan.json", document), "--opa-url", opa_url, "--junit", str(junit)
    )
    assert code == ExitCode.POLICY_DENIED
    failure = ET.parse(junit).getroot().find(".//failure")
    assert failure is not None
    assert failure.text is not None
    assert "\\x00\\x1b" in failure.text


def test_a_plan_nested_a_thousand_deep(capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_url: str) -> None:
    document = fixture_plan(DENIED)
    document["resources"][0]["inputs"]["deep"] = "DEEP"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document).replace('"DEEP"', "[" * 990 + '"x"' + "]" * 990))
    code, _, stderr = run(capsys, "gate", str(path), "--opa-url", opa_url)
    assert code == ExitCode.INPUT_ERROR
    assert f"{path}: is nested more than 255 levels deep" in stderr


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
def test_no_opa_outlives_a_signalled_gate(tmp_path: Path, signum: signal.Signals) -> None:
    # A plan of a few thousand resources keeps the gate busy for a while after OPA is up; a gate that
    # still finished before the signal arrived is run again.
    document = fixture_plan(DENIED)
    template = document["resources"]
    document["resources"] = [
        {**resource, "urn": f"{resource['urn']}-{copy}"} for copy in range(400) for resource in template
    ]
    plan = write_plan(tmp_path / "plan.json", document)
    for _ in range(5):
        gate = subprocess.Popen(
            [sys.executable, "-c", "from inferfleet.cli.app import run; run()", "gate", plan, "--timeout", "60"],
            stderr=subprocess.PIPE,
            cwd=REPO,
        )
        deadline = time.monotonic() + 30
        opa: list[int] = []
        while not opa and time.monotonic() < deadline and gate.poll() is None:
            opa = _children(gate.pid)
            time.sleep(0.01)
        assert opa, "the gate started no OPA"
        os.kill(gate.pid, signum)
        code = gate.wait(timeout=30)
        assert gate.stderr is not None
        stderr = gate.stderr.read().decode()
        if code not in (ExitCode.OK, ExitCode.POLICY_DENIED):
            break
    if signum != signal.SIGKILL:
        assert code == 128 + signum
        assert f"stopped by {signal.Signals(signum).name}" in stderr
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in opa) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in opa), "OPA is still running after its gate died"


def _exit_with_closed(stream: str, *args: str) -> int:
    """The console script's exit code when the reader of its stdout or stderr has gone (`| head`)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        completed = subprocess.run(
            [sys.executable, "-c", "from inferfleet.cli.app import run; run()", *args],
            stdout=write_end if stream == "stdout" else subprocess.DEVNULL,
            stderr=write_end if stream == "stderr" else subprocess.DEVNULL,
            cwd=REPO,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)
    return completed.returncode


@pytest.mark.parametrize(
    ("stream", "args", "code"),
    [
        # The error is decided whether or not it can be shown: still an input error.
        ("stderr", ["plan", "-s", "Prod!"], ExitCode.INPUT_ERROR),
        # Output nobody reads: stopped as by SIGPIPE (rich and typer each exit 1, the gate's "denied").
        ("stdout", ["plan", "-s", "staging-cn-south", "--json"], 128 + signal.SIGPIPE),
        ("stderr", ["gate", str(REPO / "policies" / "opa" / DENIED)], 128 + signal.SIGPIPE),
        ("stdout", ["--help"], 128 + signal.SIGPIPE),
    ],
)
def test_a_closed_output_pipe_is_never_exit_1(stream: str, args: list[str], code: int) -> None:
    assert _exit_with_closed(stream, *args) == code


def test_paths_no_file_system_can_open_are_input_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A name over 255 bytes, a path over 4,096 and a loop of symbolic links were internal errors (exit 3)."""
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    (stacks / "Pulumi.loop.yaml").symlink_to(stacks / "Pulumi.loop.yaml")
    deep = tmp_path.joinpath(*["c"] * 2100)
    cases = [
        ("plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "--out", str(tmp_path / ("b" * 300 + ".json"))),
        ("plan", "-s", "staging-cn-south", "--stacks-dir", str(STACKS), "--out", str(loop)),
        ("plan", "-s", "loop", "--stacks-dir", str(stacks)),
        ("plan", "-s", "x", "--stacks-dir", str(deep)),
        ("modules", "used-by", "vpc", "--stacks-dir", str(STACKS), "--plans", str(deep)),
    ]
    for arguments in cases:
        code, _, err = run(capsys, *arguments)
        assert code == 2, (arguments[:5], err)
        assert "internal error" not in err
        assert len(err) < 1_000
