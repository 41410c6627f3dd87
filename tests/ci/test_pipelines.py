"""The CI pipelines in the repository: linted by their own checkers, and their commands run for real.

The review job's `run:`/`script:` commands run in a fixture repository (a clone of this one with
a change committed), against a loopback stand-in for the GitHub and GitLab APIs that records the
requests: the first run creates the comment, the next edits it, a late run of an older commit
changes nothing. Steps that set up a runner (checkout, setup-python, `make bootstrap`) are not
re-run: the fixture shares this checkout's `.venv` and `.tools`. The Pulumi CLI cannot be had
here, so the deploy step runs with a recording stand-in `pulumi` on PATH that checks the command
line the step would run; everything before it (the gate of the tagged stack) is real.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_shell import run_shell
from fake_forge import TOKEN, fake_forge
from stackfiles import REPO

WORKFLOWS = REPO / ".github" / "workflows"
GITLAB = REPO / ".gitlab-ci.yml"
SETUP_STEPS = {"Set up inferfleet"}
"""Runner set-up: done once for the whole test session by the project's bootstrap."""

pytestmark = pytest.mark.slow


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


def test_github_workflows_pass_actionlint() -> None:
    actionlint = REPO / ".tools" / "bin" / "actionlint"
    completed = subprocess.run([str(actionlint), "-color=false"], cwd=REPO, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_gitlab_pipeline_matches_gitlab_schema() -> None:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(GITLAB)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def github_steps(workflow: str, job: str) -> list[dict[str, Any]]:
    document = yaml.safe_load((WORKFLOWS / workflow).read_text())
    return [step for step in document["jobs"][job]["steps"] if "run" in step and step.get("name") not in SETUP_STEPS]


def gitlab_script(job: str) -> list[str]:
    return list(yaml.safe_load(GITLAB.read_text())[job]["script"])


EXPRESSION = re.compile(r"^\$\{\{\s*(?P<name>[a-zA-Z0-9_.]+)\s*\}\}$")


def evaluated(values: Mapping[str, str], contexts: Mapping[str, str]) -> dict[str, str]:
    """A step's `env:` with each `${{ context.name }}` looked up (only those the test provides)."""
    resolved = {}
    for key, value in values.items():
        found = EXPRESSION.match(str(value))
        resolved[key] = contexts[found["name"]] if found else str(value)
    return resolved


def run_github_steps(
    steps: list[dict[str, Any]], root: Path, env: dict[str, str], contexts: Mapping[str, str] | None = None
) -> list[int]:
    """Run each step like a runner: `GITHUB_ENV` lines reach the later steps; a failed step stops the
    rest unless its condition runs it anyway (`!cancelled()`)."""
    github_env = root / ".github_env"
    github_env.write_text("")
    codes: list[int] = []
    failed = False
    for step in steps:
        if failed and "cancelled()" not in str(step.get("if", "")):
            continue
        step_env = {**env, "GITHUB_ENV": str(github_env), **evaluated(step.get("env") or {}, contexts or {})}
        step_env.update(line.split("=", 1) for line in github_env.read_text().splitlines() if "=" in line)
        completed = run_shell(step["run"], root, step_env)
        codes.append(completed.returncode)
        failed = failed or completed.returncode != 0
        assert completed.returncode in {0, 1}, f"{step.get('name')}: {completed.stdout}\n{completed.stderr}"
    return codes


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A clone of this repository (its committed state) sharing the bootstrapped .venv and .tools."""
    root = tmp_path / "fleet"
    git(tmp_path, "clone", "-q", "--no-hardlinks", str(REPO), str(root))
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    for shared in (".venv", ".tools"):
        (root / shared).symlink_to(REPO / shared)
    return root


def scale_pool(root: Path, stack: str, count: int) -> str:
    """Commit a scale-up of the first pool's node count in `stack` with the minor release it needs
    (GPUs gained; the gate's IF-VER-002); return the new head commit."""
    path = root / "stacks" / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    fleet = document["config"]["inference-fleet:fleet"]
    fleet["pools"][0]["count"] = count
    major, minor, _ = (int(part) for part in fleet["version"].split("."))
    fleet["version"] = f"{major}.{minor + 1}.0"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    git(root, "commit", "-q", "-am", f"scale {stack} to {count}")
    return git(root, "rev-parse", "HEAD")


def base_env(url: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "INFERFLEET_OPA"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(GITHUB_API_URL=url, GITHUB_TOKEN=TOKEN, GITLAB_TOKEN=TOKEN, CI_SERVER_URL=url)
    return env


def test_github_review_job_creates_then_updates_one_comment_and_never_goes_back(fleet: Path) -> None:
    base = git(fleet, "rev-parse", "HEAD")
    first = scale_pool(fleet, "prod-us-west", 3)
    steps = github_steps("review.yml", "review")
    with fake_forge(head_sha=first) as (url, forge):
        env = {**base_env(url), "BASE_SHA": base, "PR_NUMBER": "7", "REPOSITORY": "acme/fleet"}
        assert run_github_steps(steps, fleet, env, {"secrets.GITHUB_TOKEN": TOKEN}) == [0, 0, 0]
        affected = json.loads((fleet / "out" / "affected.json").read_text())
        assert [item["stack"] for item in affected["stacks"]] == ["prod-us-west"]
        diff = json.loads((fleet / "out" / "diff.json").read_text())
        assert [stack["stack"] for stack in diff["stacks"]] == ["prod-us-west"]
        assert list((fleet / "out" / "sarif").glob("*.sarif"))
        (comment,) = forge.comments.values()
        assert first in comment
        assert [method for method, _ in forge.writes()] == ["POST"]

        second = scale_pool(fleet, "prod-us-west", 4)
        forge.head_sha = second
        run_github_steps(steps, fleet, env, {"secrets.GITHUB_TOKEN": TOKEN})
        (comment,) = forge.comments.values()
        assert second in comment
        assert [method for method, _ in forge.writes()] == ["POST", "PATCH"]

        git(fleet, "checkout", "-q", first)  # a late run for the older commit
        run_github_steps(steps, fleet, env, {"secrets.GITHUB_TOKEN": TOKEN})
        (comment,) = forge.comments.values()
        assert second in comment
        assert len(forge.writes()) == 2


def test_gitlab_review_job_posts_one_note(fleet: Path) -> None:
    base = git(fleet, "rev-parse", "HEAD")
    head = scale_pool(fleet, "prod-us-west", 3)
    with fake_forge(head_sha=head) as (url, forge):
        env = {
            **base_env(url),
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
            "CI_PROJECT_ID": "42",
            "CI_MERGE_REQUEST_IID": "7",
        }
        for _ in range(2):
            completed = run_shell("\n".join(gitlab_script("review")), fleet, env)
            assert completed.returncode == 0, completed.stdout + completed.stderr
        (note,) = forge.comments.values()
        assert head in note
        assert [method for method, _ in forge.writes()] == ["POST"]  # the second run had nothing new to say


def test_release_job_gates_the_tagged_stack_then_deploys_it_with_the_policy_pack(fleet: Path, tmp_path: Path) -> None:
    stand_in = tmp_path / "bin"
    stand_in.mkdir()
    record = tmp_path / "pulumi-args.json"
    (stand_in / "pulumi").write_text(
        f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n"
    )
    (stand_in / "pulumi").chmod(0o755)
    env = base_env("http://127.0.0.1:9")
    env["PATH"] = f"{stand_in}{os.pathsep}{env['PATH']}"
    declared = yaml.safe_load((fleet / "stacks" / "Pulumi.prod-us-west.yaml").read_text())
    env["TAG"] = f"stacks/prod-us-west/v{declared['config']['inference-fleet:fleet']['version']}"
    git(fleet, "tag", env["TAG"])  # a release tag of the commit checked out, as `stack release` makes it
    contexts = {"secrets.PULUMI_ACCESS_TOKEN": "pul-test-token"}
    codes = run_github_steps(github_steps("release.yml", "deploy"), fleet, env, contexts)
    assert codes == [0, 0, 0]  # the tag checked, the gate, the deploy
    assert json.loads(record.read_text()) == ["up", "--yes", "--stack", "prod-us-west", "--policy-pack", "policy-pack"]
    assert (fleet / "out" / "gate.sarif").exists()


def test_release_job_refuses_a_tag_that_names_no_stack(fleet: Path, tmp_path: Path) -> None:
    env = base_env("http://127.0.0.1:9")
    env["TAG"] = "stacks/../../etc/v1.0.0"
    steps = github_steps("release.yml", "deploy")
    github_env = fleet / ".github_env"
    github_env.write_text("")
    completed = run_shell(steps[0]["run"], fleet, {**env, "GITHUB_ENV": str(github_env)})
    assert completed.returncode == 2
    assert github_env.read_text() == ""


def test_gitlab_jobs_build_opa_with_a_go_that_fetches_the_toolchain_it_asks_for() -> None:
    """OPA's go.mod asks for a newer Go than any Debian bookworm ships; Go 1.21+ fetches that toolchain
    (GOTOOLCHAIN=auto), bookworm's own 1.19 stops. Checked here: backports' golang-1.23-go built OPA."""
    script = "\n".join(yaml.safe_load(GITLAB.read_text())["default"]["before_script"])
    minors = [int(minor) for minor in re.findall(r"golang-1\.(\d+)-go", script)]
    assert minors
    assert min(minors) >= 21
    assert f"/usr/lib/go-1.{minors[0]}/bin" in script
    assert not re.search(r"--no-install-recommends golang( |$)", script)
