"""The sticky review comment against a loopback GitHub/GitLab stand-in: one comment, never older over newer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fake_forge import TOKEN, fake_forge

from inferfleet.cli.app import main
from inferfleet.review.sticky import marker, read_marker

PLATFORMS = {"github": ["--github", "acme/fleet", "--pr", "7"], "gitlab": ["--gitlab", "acme/fleet", "--mr", "7"]}
TOKEN_VARIABLE = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def two_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A repository (the working directory) with an older and a newer commit."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "ci@example.com")
    git(root, "config", "user.name", "ci")
    commits = []
    for text in ("one", "two"):
        (root / "f").write_text(text)
        git(root, "add", "f")
        git(root, "commit", "-q", "-m", text)
        commits.append(git(root, "rev-parse", "HEAD"))
    monkeypatch.chdir(root)
    return commits[0], commits[1]


def comment_file(tmp_path: Path, head: str, text: str) -> Path:
    path = tmp_path / f"comment-{head[:7]}-{len(text)}.md"
    path.write_text(f"{marker(head, ['prod-cn-south'])}\n## inferfleet review\n{text}\n")
    return path


def post(platform: str, url: str, body: Path) -> int:
    return main(["comment", "post", str(body), *PLATFORMS[platform], "--api-url", url])


def test_the_marker_round_trips_and_a_value_cannot_close_it() -> None:
    line = marker("abc123", ["prod-cn-south", "x-->y<!--"])
    assert line.count("-->") == 1
    assert line.endswith(" -->")
    found = read_marker(f"text\n{line}\nmore")
    assert found is not None
    assert found.head == "abc123"
    assert found.stacks == ("prod-cn-south", "x-->y<!--")
    assert read_marker("<!-- inferfleet-review: {not json} -->") is None
    # Anyone can comment on a pull request: a marker nested beyond the JSON reader's recursion is no marker.
    assert read_marker('<!-- inferfleet-review: {"head": ' + "[" * 5000 + "]" * 5000 + "} -->") is None
    assert read_marker("no marker") is None


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_create_then_update_then_never_older_over_newer(
    platform: str, two_commits: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older, newer = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE[platform], TOKEN)
    with fake_forge(head_sha=older) as (url, state):
        assert post(platform, url, comment_file(tmp_path, older, "first")) == 0
        assert len(state.comments) == 1
        assert [method for method, _ in state.writes()] == ["POST"]

        assert post(platform, url, comment_file(tmp_path, older, "first")) == 0  # a re-run: nothing to write
        assert len(state.writes()) == 1

        state.head_sha = newer
        assert post(platform, url, comment_file(tmp_path, newer, "second")) == 0
        (body,) = state.comments.values()
        assert "second" in body
        assert [method for method, _ in state.writes()] == ["POST", "PATCH" if platform == "github" else "PUT"]

        # The run for the older commit finishes late: the pull request has moved on.
        assert post(platform, url, comment_file(tmp_path, older, "late")) == 0
        (body,) = state.comments.values()
        assert "second" in body

        # Even if the API still showed the older head, a comment for a descendant commit is kept.
        state.head_sha = older
        assert post(platform, url, comment_file(tmp_path, older, "late again")) == 0
        (body,) = state.comments.values()
        assert "second" in body
        assert len(state.writes()) == 2


def test_the_head_the_api_answers_is_shown_as_text_when_the_run_is_skipped(
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The forge's answer is quoted in the reason a run is skipped: an escape in it stays text."""
    older, _ = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE["github"], TOKEN)
    with fake_forge(head_sha="\x1b[2J[bold]") as (url, state):
        assert post("github", url, comment_file(tmp_path, older, "first")) == 0
        assert not state.comments
    err = capsys.readouterr().err
    assert "review comment skipped" in err
    assert "\x1b" not in err
    assert "the pull request's head is \\x1b[2J[bold]" in err


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_a_rejected_token_is_exit_3_and_the_file_stays(
    platform: str,
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    older, _ = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE[platform], "wrong-token")
    body = comment_file(tmp_path, older, "x")
    with fake_forge(head_sha=older) as (url, state):
        assert post(platform, url, body) == 3
    error = capsys.readouterr().err
    assert "rejected the token (HTTP 401)" in error
    assert "wrong-token" not in error
    assert body.exists()
    assert state.comments == {}


def test_a_missing_token_is_exit_3_naming_the_variable(
    two_commits: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert post("github", "http://127.0.0.1:9", comment_file(tmp_path, two_commits[0], "x")) == 3
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_a_comment_over_the_platform_limit_is_refused(
    two_commits: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert post("github", "http://127.0.0.1:9", comment_file(tmp_path, two_commits[0], "x" * 70_000)) == 2
