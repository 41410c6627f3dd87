"""The release pipelines deploy only a stack's released version, one deploy of a stack at a time, with
pinned actions, checkouts without credentials and the deploy secret in the deploy step only.

As in test_pipelines.py, the jobs' `run:`/`script:` commands run for real in a clone of this
repository (sharing its `.venv` and `.tools`); `pulumi` and `curl` are recording stand-ins on PATH.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_shell import run_shell
from stackfiles import REPO

WORKFLOWS = REPO / ".github" / "workflows"
GITLAB = REPO / ".gitlab-ci.yml"
SETUP_STEPS = {"Set up inferfleet"}
STACK = "prod-us-west"
PULUMI_TOKEN = "pul-0123456789abcdef"
EXPRESSION = re.compile(r"^\$\{\{\s*(?P<name>[a-zA-Z0-9_.]+)\s*\}\}$")

pytestmark = pytest.mark.slow


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


def workflow(name: str) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return document


def gitlab() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(GITLAB.read_text())
    return document


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A clone of this repository (its committed state) sharing the bootstrapped .venv and .tools."""
    root = tmp_path / "fleet"
    git(tmp_path, "clone", "-q", "--no-hardlinks", str(REPO), str(root))
    for shared in (".venv", ".tools"):
        (root / shared).symlink_to(REPO / shared)
    return root


def declared(root: Path, stack: str = STACK) -> str:
    document = yaml.safe_load((root / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    return str(document["config"]["inference-fleet:fleet"]["version"])


def other_version(version: str) -> str:
    release = re.split(r"[-+]", version, maxsplit=1)[0]
    major, minor, patch = (int(part) for part in release.split("."))
    return f"{major}.{minor}.{patch + 1}"


class Recorder:
    """Stand-ins for `pulumi` and `curl` that record their arguments and the deploy token they saw."""

    def __init__(self, folder: Path) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir()
        self.log = folder / "calls.jsonl"
        script = (
            f"#!{sys.executable}\nimport json, os, sys\n"
            f"with open({str(self.log)!r}, 'a') as log:\n"
            "    log.write(json.dumps([os.path.basename(sys.argv[0]), sys.argv[1:],"
            " os.environ.get('PULUMI_ACCESS_TOKEN')]) + '\\n')\n"
        )
        for name in ("pulumi", "curl"):
            (self.bin / name).write_text(script)
            (self.bin / name).chmod(0o755)

    def calls(self) -> list[list[Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def env(self) -> dict[str, str]:
        keep = {"PATH", "HOME", "LANG", "INFERFLEET_OPA"}
        env = {key: value for key, value in os.environ.items() if key in keep}
        env["PATH"] = f"{self.bin}{os.pathsep}{env['PATH']}"
        return env


def run_release_job(root: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """The GitHub deploy job's `run:` steps like a runner: step `env:` (secrets from the test), GITHUB_ENV
    carried over, stopped at the first failing step. Returns (step, exit code, stderr) per step run."""
    github_env = root / ".github_env"
    github_env.write_text("")
    contexts = {"secrets.PULUMI_ACCESS_TOKEN": PULUMI_TOKEN}
    ran = []
    for step in workflow("release.yml")["jobs"]["deploy"]["steps"]:
        if "run" not in step or step.get("name") in SETUP_STEPS:
            continue
        step_env = {**env, "GITHUB_ENV": str(github_env)}
        for key, value in (step.get("env") or {}).items():
            found = EXPRESSION.match(str(value))
            step_env[key] = contexts[found["name"]] if found else str(value)
        for line in github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            step_env[key] = value
        completed = run_shell(step["run"], root, step_env)
        ran.append((str(step.get("name")), completed.returncode, completed.stderr))
        if completed.returncode != 0:
            break
    return ran


@pytest.mark.parametrize("version", ["NOT-A-VERSION", "0.0.1-older", "next"])
def test_github_release_deploys_nothing_for_a_tag_that_is_not_the_declared_version(
    fleet: Path, tmp_path: Path, version: str
) -> None:
    if version == "next":
        version = other_version(declared(fleet))  # semver, above the declared one: still not what was released
    tag = f"stacks/{STACK}/v{version}"
    git(fleet, "tag", tag)  # a valid git tag on the checked-out commit; matches the trigger "stacks/*/v*"
    recorder = Recorder(tmp_path)
    ran = run_release_job(fleet, {**recorder.env(), "TAG": tag})
    assert ran[-1][1] == 2, ran
    assert f"declares version {declared(fleet)}" in ran[-1][2]
    assert recorder.calls() == []
    assert not (fleet / "out" / "gate.sarif").exists()  # refused before the gate


def test_github_release_deploys_the_declared_version_with_the_token_in_the_deploy_step_only(
    fleet: Path, tmp_path: Path
) -> None:
    tag = f"stacks/{STACK}/v{declared(fleet)}"
    git(fleet, "tag", tag)
    recorder = Recorder(tmp_path)
    ran = run_release_job(fleet, {**recorder.env(), "TAG": tag})
    assert [code for _, code, _ in ran] == [0, 0, 0], ran
    assert recorder.calls() == [
        ["pulumi", ["up", "--yes", "--stack", STACK, "--policy-pack", "policy-pack"], PULUMI_TOKEN]
    ]
    document = workflow("release.yml")
    for job in document["jobs"].values():
        assert "secrets." not in json.dumps(job.get("env") or {})
        users = [step for step in job["steps"] if "secrets." in json.dumps(step)]
        assert all("pulumi up" in step.get("run", "") for step in users), users
    assert "secrets." not in json.dumps(document.get("env") or {})


def test_gitlab_release_jobs_refuse_a_tag_that_is_not_the_declared_version(fleet: Path, tmp_path: Path) -> None:
    rule = gitlab()["deploy"]["rules"][0]["if"]
    pattern = re.search(r"=~ /(?P<regex>.*)/$", rule)
    assert pattern is not None
    recorder = Recorder(tmp_path)
    wrong = f"stacks/{STACK}/v{other_version(declared(fleet))}"
    assert re.match(pattern["regex"].replace("\\/", "/"), wrong)  # the jobs run for it
    git(fleet, "tag", wrong)
    env = {**recorder.env(), "CI_COMMIT_TAG": wrong}
    for job in ("gate-release", "deploy"):
        completed = run_shell("\n".join(gitlab()[job]["script"]), fleet, env)
        assert completed.returncode == 2, (job, completed.stderr)
        assert f"declares version {declared(fleet)}" in completed.stderr
    assert not (fleet / "out" / "gate.junit.xml").exists()
    assert recorder.calls() == []  # neither the Pulumi installer nor pulumi ran

    right = f"stacks/{STACK}/v{declared(fleet)}"
    git(fleet, "tag", right)
    env["CI_COMMIT_TAG"] = right
    for job in ("gate-release", "deploy"):
        completed = run_shell("\n".join(gitlab()[job]["script"]), fleet, env)
        assert completed.returncode == 0, (job, completed.stderr)
    assert [call[0] for call in recorder.calls()] == ["curl", "pulumi"]
    assert recorder.calls()[-1][1] == ["up", "--yes", "--stack", STACK, "--policy-pack", "policy-pack"]


def run_stack_job(tag: str, tmp_path: Path) -> tuple[int, str]:
    (step,) = workflow("release.yml")["jobs"]["stack"]["steps"]
    output = tmp_path / "github_output"
    output.write_text("")
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), "TAG": tag}
    completed = run_shell(step["run"], tmp_path, env)
    return completed.returncode, output.read_text()


def test_github_deploys_of_one_stack_share_one_concurrency_group_whatever_the_version(tmp_path: Path) -> None:
    document = workflow("release.yml")
    assert "concurrency" not in document  # a workflow-level group could only be keyed by the tag
    deploy = document["jobs"]["deploy"]
    assert deploy["needs"] == "stack"
    assert deploy["concurrency"] == {
        "group": "inferfleet-deploy-${{ needs.stack.outputs.name }}",
        "cancel-in-progress": False,
    }
    assert document["jobs"]["stack"]["outputs"] == {"name": "${{ steps.tag.outputs.stack }}"}
    assert document["jobs"]["stack"]["steps"][0]["id"] == "tag"
    for tag in ("stacks/prod-cn-south/v1.0.0", "stacks/prod-cn-south/v2.3.4", "stacks/prod-cn-south/v1.0.0-rc.1"):
        assert run_stack_job(tag, tmp_path) == (0, "stack=prod-cn-south\n")
    assert run_stack_job("stacks/prod-us-west/v1.0.0", tmp_path) == (0, "stack=prod-us-west\n")
    for tag in ("stacks/prod-cn-south/extra/v1.0.0", "stacks/../v1.0.0", "stacks/Prod/v1", "stacks/a;b/v1", "v1.0.0"):
        assert run_stack_job(tag, tmp_path) == (2, ""), tag


def test_gitlab_deploys_wait_for_each_other(tmp_path: Path) -> None:
    group = gitlab()["deploy"]["resource_group"]
    # The same for every tag of a stack (no `$CI_COMMIT_TAG` in it): one deploy at a time.
    assert isinstance(group, str)
    assert group
    assert "$" not in group


USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>\S+?)@(?P<ref>\S+)(?P<comment>.*)$")


def test_every_action_is_pinned_to_the_commit_of_a_named_release() -> None:
    found = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in path.read_text().splitlines():
            use = USES.match(line)
            if use is None:
                continue
            found += 1
            assert re.fullmatch(r"[0-9a-f]{40}", use["ref"]), f"{path.name}: {line.strip()}"
            assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", use["comment"]), f"{path.name}: {line.strip()}"
    assert found >= 6


def test_checkouts_keep_no_credentials_and_keep_the_history() -> None:
    checkouts = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in workflow(path.name)["jobs"].values():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    checkouts.append(step["with"])
    assert len(checkouts) == 2
    for settings in checkouts:
        assert settings["persist-credentials"] is False
        assert settings["fetch-depth"] == 0  # the base is planned from a worktree; tags are read
