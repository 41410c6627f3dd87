"""`make plan` takes `STACK` from the environment or the command line: only a stack name, as one argument.

The repository's Makefile runs in a scratch folder where `.venv/bin/inferfleet` is a recording stand-in
and the bootstrap outputs are taken as up to date (`-o`): nothing is installed or planned.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from stackfiles import REPO

UP_TO_DATE = (".venv/.installed", ".tools/bin/opa", ".tools/bin/actionlint", ".tools/.system-deps")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / ".venv" / "bin").mkdir(parents=True)
    shutil.copyfile(REPO / "Makefile", root / "Makefile")
    stand_in = root / ".venv" / "bin" / "inferfleet"
    stand_in.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"with open({str(tmp_path / 'calls.jsonl')!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    stand_in.chmod(0o755)
    return root


def make(root: Path, *args: str, stack: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    if stack is not None:
        env["STACK"] = stack
    options = [option for target in UP_TO_DATE for option in ("-o", target)]
    return subprocess.run(
        ["make", "-s", *options, *args], cwd=root, env=env, capture_output=True, text=True, check=False, timeout=60
    )


def calls(root: Path) -> list[list[str]]:
    log = root.parent / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


HOSTILE = [
    "x;touch {pwned};#",
    "$(shell touch {pwned})",
    "`touch {pwned}`",
    "$$(touch {pwned})",
    "x' ; touch {pwned} ; '",
    "prod-cn-south other",
    "prod-cn-south\ntouch {pwned}",
    "",
]


@pytest.mark.parametrize("where", ["environment", "command line"])
@pytest.mark.parametrize("value", HOSTILE)
def test_a_stack_that_is_not_a_stack_name_is_refused_before_anything_runs(
    checkout: Path, value: str, where: str
) -> None:
    pwned = checkout.parent / "PWNED"
    value = value.format(pwned=pwned)
    if where == "environment":
        completed = make(checkout, "plan", stack=value)
    else:
        completed = make(checkout, f"STACK={value}", "plan")
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "STACK must be one stack name" in completed.stderr
    assert not pwned.exists()
    assert calls(checkout) == []


def test_a_stack_name_reaches_the_commands_as_one_argument(checkout: Path) -> None:
    assert make(checkout, "plan", stack="bad;name").returncode == 2  # refused, as above
    completed = make(checkout, "plan", stack="prod-us-west")
    assert completed.returncode == 0, completed.stderr
    completed = make(checkout, "STACK=Stack_1.a", "plan")
    assert completed.returncode == 0, completed.stderr
    assert calls(checkout) == [
        ["plan", "-s", "prod-us-west", "--out", "out/prod-us-west.plan.json"],
        [
            "gate",
            "out/prod-us-west.plan.json",
            "--sarif",
            "out/prod-us-west.sarif",
            "--junit",
            "out/prod-us-west.junit.xml",
        ],
        ["plan", "-s", "Stack_1.a", "--out", "out/Stack_1.a.plan.json"],
        ["gate", "out/Stack_1.a.plan.json", "--sarif", "out/Stack_1.a.sarif", "--junit", "out/Stack_1.a.junit.xml"],
    ]
