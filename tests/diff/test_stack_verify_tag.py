"""`inferfleet stack verify-tag`: a pipeline deploys a tag only when it is the release of the commit checked out.

Through a real git repository (built from this checkout, see fleet_repo.py): every stack is released as
v1.0.0 on the first commit, as `stack release` tags it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fleet_repo import edit, git, init_repo
from stackfiles import REPO

from inferfleet.errors import InputError
from inferfleet.release.stack import ReleaseTag, verify_tag

INFERFLEET = REPO / ".venv" / "bin" / "inferfleet"
STACK = "prod-cn-north"


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def verify(root: Path, tag: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """The command as the pipelines run it: in the checkout, the tag as one argument."""
    return subprocess.run(
        [str(INFERFLEET), "stack", "verify-tag", tag, *extra],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_release_tag_of_the_commit_checked_out_passes(fleet: Path) -> None:
    head = git(fleet, "rev-parse", "HEAD")
    release = verify_tag(fleet / "stacks", f"stacks/{STACK}/v1.0.0")
    assert release == ReleaseTag(tag=f"stacks/{STACK}/v1.0.0", stack=STACK, version="1.0.0", commit=head)
    completed = verify(fleet, f"stacks/{STACK}/v1.0.0", "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "commit": head,
        "stack": STACK,
        "tag": f"stacks/{STACK}/v1.0.0",
        "version": "1.0.0",
    }


@pytest.mark.parametrize(
    "version",
    ["NOT-A-VERSION", "0.0.1-older", "0.0.1", "1.0.1", "2.0.0", "1.0.0-rc.1", "1.0.0+build.1", "1.0", "01.0.0", ""],
)
def test_a_tag_of_another_version_than_the_declared_one_is_refused(fleet: Path, version: str) -> None:
    tag = f"stacks/{STACK}/v{version}"
    git(fleet, "tag", tag)  # a valid git tag on the right commit: only its version is wrong
    with pytest.raises(InputError, match=r"declares version 1\.0\.0, released as stacks/prod-cn-north/v1\.0\.0"):
        verify_tag(fleet / "stacks", tag)
    completed = verify(fleet, tag)
    assert completed.returncode == 2, completed.stderr
    assert "declares version 1.0.0" in completed.stderr


@pytest.mark.parametrize(
    "tag",
    [
        "stacks/../../etc/v1.0.0",
        "stacks/Prod-CN-North/v1.0.0",
        "stacks/prod-cn-north/extra/v1.0.0",
        "stacks/prod-cn-north/1.0.0",
        "stacks//v1.0.0",
        "modules/vpc/v1.0.0",
        f"refs/tags/stacks/{STACK}/v1.0.0",
        "",
    ],
)
def test_a_tag_that_is_not_a_stack_release_tag_is_refused(fleet: Path, tag: str) -> None:
    with pytest.raises(InputError, match="is not a stack release tag"):
        verify_tag(fleet / "stacks", tag)
    assert verify(fleet, tag).returncode == 2


def test_a_release_tag_on_another_commit_is_refused(fleet: Path) -> None:
    first = git(fleet, "rev-parse", "HEAD")
    edit(fleet, STACK, "team: inference-platform", "team: gpu-platform")  # no version change
    git(fleet, "commit", "-q", "-am", "retag the team")
    # The commit declares 1.0.0 too, but v1.0.0 is the release of the first commit: deploying it here
    # would deploy a change nobody released.
    with pytest.raises(InputError, match=f"names commit {first[:12]}"):
        verify_tag(fleet / "stacks", f"stacks/{STACK}/v1.0.0")
    assert verify(fleet, f"stacks/{STACK}/v1.0.0").returncode == 2


def test_a_tag_that_does_not_exist_is_refused(fleet: Path) -> None:
    git(fleet, "tag", "-d", f"stacks/{STACK}/v1.0.0")
    with pytest.raises(InputError, match="no such tag"):
        verify_tag(fleet / "stacks", f"stacks/{STACK}/v1.0.0")


def test_the_version_is_read_from_the_commit_not_from_the_working_tree(fleet: Path) -> None:
    edit(fleet, STACK, "version: 1.0.0", "version: 9.9.9")  # not committed
    git(fleet, "tag", f"stacks/{STACK}/v9.9.9")
    with pytest.raises(InputError, match=r"declares version 1\.0\.0"):
        verify_tag(fleet / "stacks", f"stacks/{STACK}/v9.9.9")
    assert verify_tag(fleet / "stacks", f"stacks/{STACK}/v1.0.0").version == "1.0.0"


def test_a_stack_the_commit_does_not_have_is_refused(fleet: Path) -> None:
    git(fleet, "tag", "stacks/prod-us-west/v1.0.0")  # prod-us-west is not in this repository
    with pytest.raises(InputError, match=r"has no stack file stacks/Pulumi\.prod-us-west\.yaml"):
        verify_tag(fleet / "stacks", "stacks/prod-us-west/v1.0.0")


def test_a_declared_version_that_is_not_semver_is_refused(fleet: Path) -> None:
    edit(fleet, STACK, "version: 1.0.0", "version: latest")
    git(fleet, "commit", "-q", "-am", "no version")
    git(fleet, "tag", f"stacks/{STACK}/vlatest")
    completed = verify(fleet, f"stacks/{STACK}/vlatest")
    assert completed.returncode == 2
    assert "fleet.version" in completed.stderr


def test_a_pre_release_tag_of_its_commit_passes(fleet: Path) -> None:
    edit(fleet, STACK, "version: 1.0.0", "version: 1.1.0-rc.1")
    git(fleet, "commit", "-q", "-am", "release candidate")
    git(fleet, "tag", f"stacks/{STACK}/v1.1.0-rc.1")
    assert verify_tag(fleet / "stacks", f"stacks/{STACK}/v1.1.0-rc.1").version == "1.1.0-rc.1"
