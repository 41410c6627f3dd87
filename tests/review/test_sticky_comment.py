"""The sticky review comment against a loopback GitHub/GitLab stand-in: one comment, never older over newer."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from fake_forge import BOT, TOKEN, fake_forge

from inferfleet.cli.app import main
from inferfleet.review import sticky
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


HEAD = "0123456789abcdef0123456789abcdef01234567"


def test_the_marker_round_trips_and_a_value_cannot_close_it() -> None:
    line = marker(HEAD, ["prod-cn-south", "x-->y<!--"])
    assert line.count("-->") == 1
    assert line.endswith(" -->")
    found = read_marker(f"text\n{line}\nmore")
    assert found is not None
    assert found.head == HEAD
    assert found.stacks == ("prod-cn-south", "x-->y<!--")
    assert read_marker("<!-- inferfleet-review: {not json} -->") is None
    # Anyone can comment on a pull request: a marker nested beyond the JSON reader's recursion is no marker.
    assert read_marker('<!-- inferfleet-review: {"head": ' + "[" * 5000 + "]" * 5000 + "} -->") is None
    assert read_marker("no marker") is None
    # A head that is not a commit id would reach `git merge-base` as a revision (HEAD, an option).
    for head in ("HEAD", "--output=/tmp/x", HEAD.upper(), HEAD[:39]):
        assert read_marker(marker(head, [])) is None


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_only_the_tokens_own_comments_count(
    platform: str, two_commits: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone can comment on a pull request with a copy of the marker: such a comment is neither edited
    (the review would live in a comment its author can rewrite) nor allowed to stop the run."""
    _, newer = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE[platform], TOKEN)
    with fake_forge(head_sha=newer) as (url, state):
        planted = comment_file(tmp_path, newer, "All gates passed").read_text()
        stopper = planted.replace(newer, "HEAD")  # once made the run skip: "a newer commit is under review"
        state.add_comment(planted, "mallory")
        state.add_comment(stopper, "mallory")
        assert post(platform, url, comment_file(tmp_path, newer, "the real review")) == 0
        assert [method for method, _ in state.writes()] == ["POST"]
        ours = [id_ for id_, author in state.authors.items() if author == BOT]
        assert len(ours) == 1
        assert "the real review" in state.comments[ours[0]]
        assert "All gates passed" in state.comments[min(state.comments)]

        # The next push edits the token's own comment, never the newer one a stranger wrote after it.
        state.add_comment(planted, "mallory")
        assert post(platform, url, comment_file(tmp_path, newer, "second")) == 0
        assert "second" in state.comments[ours[0]]
        assert [method for method, _ in state.writes()][-1] in {"PATCH", "PUT"}
        assert [state.comments[id_] for id_, author in state.authors.items() if author == "mallory"] == [
            planted,
            stopper,
            planted,
        ]


def test_an_actions_token_that_may_not_ask_who_it_is_writes_as_the_actions_bot(
    two_commits: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, newer = two_commits
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with fake_forge(head_sha=newer) as (url, state):
        state.user_forbidden = True
        assert post("github", url, comment_file(tmp_path, newer, "first")) == 0
        assert post("github", url, comment_file(tmp_path, newer, "second")) == 0
        (body,) = state.comments.values()
        assert "second" in body


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--github", "acme/fleet/../../user"),
        ("--github", "acme/.."),
        ("--github", "acme"),
        ("--github", "-acme/fleet"),
        ("--gitlab", "acme/../../user"),
        ("--gitlab", "acme/fleet?x=1"),
        ("--author", "mallory\nx"),
        ("--author", "a b"),
    ],
)
def test_a_repository_or_author_no_forge_could_name_is_refused_before_any_request(
    flag: str,
    value: str,
    *,
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, newer = two_commits
    platform = "gitlab" if flag == "--gitlab" else "github"
    monkeypatch.setenv(TOKEN_VARIABLE[platform], TOKEN)
    arguments = {"--github": ["--github", "acme/fleet"], "--gitlab": ["--gitlab", "acme/fleet"]}[f"--{platform}"]
    arguments = [*arguments, "--pr", "7"]
    if flag == "--author":
        arguments += ["--author", value]
    else:
        arguments[1] = value
    with fake_forge(head_sha=newer) as (url, state):
        body = comment_file(tmp_path, newer, "first")
        assert main(["comment", "post", str(body), *arguments, "--api-url", url]) == 2
        assert state.requests == []
    assert f"{flag} " in capsys.readouterr().err


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


def test_a_head_the_api_answers_that_is_no_commit_id_is_refused_and_shown_as_text(
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The forge's answer is quoted in the error: an escape in it stays text."""
    older, _ = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE["github"], TOKEN)
    with fake_forge(head_sha="\x1b[2J[bold]") as (url, state):
        assert post("github", url, comment_file(tmp_path, older, "first")) == 3
        assert not state.comments
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "GitHub API answered a head commit that is not a commit id: '\\x1b[2J[bold]'" in err


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


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_the_token_never_follows_a_redirect_to_another_host(
    platform: str,
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitLab's token travels in a PRIVATE-TOKEN header, which `requests` keeps on a redirect to another host."""
    _, newer = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE[platform], TOKEN)
    with fake_forge(newer) as (elsewhere, seen_elsewhere):
        # localhost and 127.0.0.1 are two hosts to a client: the other origin is the same server here.
        other_host = elsewhere.replace("127.0.0.1", "localhost") + "/steal"
        with fake_forge(newer, hostile=f"redirect:{other_host}") as (url, state):
            assert post(platform, url, comment_file(tmp_path, newer, "first")) == 3
            assert not state.comments
    assert seen_elsewhere.requests == []
    err = capsys.readouterr().err
    assert TOKEN not in err


@pytest.mark.parametrize("platform", ["github", "gitlab"])
@pytest.mark.parametrize(
    "case",
    [
        # (hostile mode, comments read at most, seconds a call may take, what the error says)
        ("endless-pages", 5, 60.0, "the pull request has more than 5 comments; not read further"),
        ("drip", 5_000, 1.5, "API call did not finish within 1.5 s"),
        ("id-not-a-number", 5_000, 60.0, "API answered"),
    ],
)
def test_a_hostile_api_ends_the_run_with_an_engine_error(
    platform: str,
    case: tuple[str, int, float, str],
    *,
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile, max_comments, deadline, expected = case
    _, newer = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE[platform], TOKEN)
    monkeypatch.setattr(sticky, "MAX_COMMENTS", max_comments)
    monkeypatch.setattr(sticky, "API_DEADLINE_SECONDS", deadline)
    started = time.monotonic()
    with fake_forge(newer, hostile=hostile) as (url, state):
        assert post(platform, url, comment_file(tmp_path, newer, "first")) == 3
        assert not state.writes()
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert expected in err
    assert "internal error" not in err
    assert TOKEN not in err


@pytest.mark.parametrize("platform", ["github", "gitlab"])
@pytest.mark.parametrize("token", [f"{TOKEN}\nX-Injected: 1", f"{TOKEN} ", f"{TOKEN}\x1b[2J", "t" * 5000])
def test_a_token_no_header_can_carry_is_refused_without_being_quoted(
    platform: str,
    token: str,
    *,
    two_commits: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A client library's header check quoted the whole header, token included, in its error."""
    _, newer = two_commits
    monkeypatch.setenv(TOKEN_VARIABLE[platform], token)
    with fake_forge(newer) as (url, state):
        assert post(platform, url, comment_file(tmp_path, newer, "first")) == 2
        assert state.requests == []
    err = capsys.readouterr().err
    assert f"{TOKEN_VARIABLE[platform]}: holds a character no token has" in err
    assert TOKEN not in err
    assert "ttttt" not in err


def test_an_unexpected_answer_never_quotes_the_token() -> None:
    error = sticky._unexpected("GitHub", ValueError(f"Invalid header value 'token {TOKEN}'"), TOKEN)
    assert TOKEN not in str(error)
    assert "Invalid header value 'token ***'" in str(error)
