"""`inferfleet comment post`: create or update the pull request's one review comment."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.errors import EngineError, InputError, UsageError, cut
from inferfleet.gitrepo import Repository
from inferfleet.reading import read_at_most
from inferfleet.review.sticky import (
    LIMITS,
    LOGIN,
    GitHubPullRequest,
    GitLabMergeRequest,
    check_size,
    post_sticky,
)
from inferfleet.urls import http_url

comment_app = typer.Typer(help="The pull-request review comment.", no_args_is_help=True)
app.add_typer(comment_app, name="comment")

TOKEN_VARIABLES = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
DEFAULT_API = {
    "github": ("GITHUB_API_URL", "https://api.github.com"),
    "gitlab": ("CI_SERVER_URL", "https://gitlab.com"),
}


MAX_TOKEN_LENGTH = 4096
ACTIONS_BOT = "github-actions[bot]"
"""Who a GitHub Actions token (GITHUB_TOKEN) comments as; such a token may not ask the API who it is."""
GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(?!\.\.?$)[A-Za-z0-9._-]{1,100}")
"""OWNER/NAME as GitHub spells them: a path like `acme/fleet/../../user` sent the token to another endpoint."""
GITLAB_PROJECT = re.compile(
    r"[0-9]{1,18}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}(?:/[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}){1,20}"
)
"""A GitLab project id, or its path (namespace/.../project); no segment is `.` or `..`."""


def _token(platform: str) -> str:
    """The token from the environment, checked without ever being quoted: a newline in it reached a
    client library's header check, whose error quoted the whole header."""
    for variable in TOKEN_VARIABLES[platform]:
        if value := os.environ.get(variable):
            if len(value) > MAX_TOKEN_LENGTH or not value.isascii() or not value.isprintable() or " " in value:
                raise InputError(
                    f"{variable}: holds a character no token has (a space, a newline, a control character "
                    f"or a letter beyond ASCII), or is over {MAX_TOKEN_LENGTH} characters"
                )
            return value
    raise EngineError(
        f"no {platform} token: set {' or '.join(TOKEN_VARIABLES[platform])}",
        hint="the comment file is written; post it once a token is available",
    )


def _project(platform: str, given: str) -> str:
    pattern, expected = (
        (GITHUB_REPOSITORY, "OWNER/NAME")
        if platform == "github"
        else (GITLAB_PROJECT, "a project id or GROUP/PROJECT path")
    )
    if not pattern.fullmatch(given) or ".." in given.split("/"):
        raise UsageError(f"--{platform} {cut(repr(given))}: expected {expected}")
    return given


def _author(platform: str, given: str | None, forge: GitHubPullRequest | GitLabMergeRequest) -> str:
    """Whose comments are this tool's: --author, else the token's own user as the API tells it."""
    if given is not None:
        if not LOGIN.fullmatch(given):
            raise UsageError(f"--author {cut(repr(given))}: expected a {platform} login such as {ACTIONS_BOT}")
        return given
    found = forge.identity()
    if found is None:  # only GitHub says nothing: an Actions token, or an App's (give its bot's login)
        return ACTIONS_BOT
    return found


def _api_url(platform: str, given: str | None) -> str:
    variable, default = DEFAULT_API[platform]
    url = given or os.environ.get(variable) or default
    http_url(url, option="--api-url" if given else variable)
    return url


@comment_app.command("post")
def post_command(  # noqa: PLR0917 (typer maps each parameter to a flag)
    body_file: Annotated[Path, typer.Argument(help="The comment (from `inferfleet diff --markdown`).")],
    github: Annotated[str | None, typer.Option("--github", help="GitHub repository OWNER/NAME.")] = None,
    gitlab: Annotated[str | None, typer.Option("--gitlab", help="GitLab project path or id.")] = None,
    number: Annotated[int, typer.Option("--pr", "--mr", min=1, max=2**31 - 1, help="Pull/merge request number.")] = 0,
    api_url: Annotated[
        str | None, typer.Option("--api-url", help="API base URL (default: GITHUB_API_URL / CI_SERVER_URL).")
    ] = None,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="Login the token comments as (default: asked from the API; a GitHub Actions token is "
            f"{ACTIONS_BOT}, a GitHub App's token needs its bot's login here).",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Create the review comment, or update the one this pull request already has (never a second one).

    Only comments the token's own user wrote count: anyone can write a comment that copies the marker."""
    if (github is None) == (gitlab is None) or number == 0:
        raise UsageError("give --github OWNER/NAME or --gitlab PROJECT, and --pr/--mr NUMBER")
    try:
        # A character is at most 4 bytes of UTF-8: more than that many bytes is over any platform's limit.
        body = read_at_most(body_file, 4 * max(LIMITS.values())).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{body_file}: cannot read the comment ({type(exc).__name__})") from None
    platform = "github" if github is not None else "gitlab"
    project = _project(platform, github if github is not None else str(gitlab))
    check_size(body, platform)
    token = _token(platform)
    forge = (
        GitHubPullRequest(token=token, api_url=_api_url(platform, api_url), repository=project, number=number)
        if github is not None
        else GitLabMergeRequest(token=token, api_url=_api_url(platform, api_url), project=project, iid=number)
    )
    repo = Repository.containing(Path.cwd())
    outcome, reason = post_sticky(forge, body, author=_author(platform, author, forge), is_ancestor=repo.is_ancestor)
    console.err.print(f"review comment {outcome.value}: {console.markup(reason)}")
    return 0
