"""One sticky review comment per pull request, kept up to date by CI on GitHub or GitLab.

The comment carries a hidden marker (an HTML comment with the head commit and the stack set).
A run finds the newest comment with the marker written by the token's own user and edits it, or
creates one when there is none, so a pull request never collects a comment per push. Anyone can
comment on a pull request and copy the marker: a comment by anyone else is never edited, and its
marker never stops a run. A run for an older commit never
overwrites a newer one: it posts only while its commit is the pull request's head, and leaves
alone a comment written for a commit that descends from its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from itertools import islice
from typing import Any, Protocol

from inferfleet.errors import EngineError, InputError, cut
from inferfleet.remote import within

MARKER_NAME = "inferfleet-review"
_MARKER = re.compile(r"<!-- inferfleet-review: (?P<payload>\{[^<>]{0,20000}\}) -->")
GITHUB_LIMIT = 65_536
GITLAB_LIMIT = 1_000_000
MARKER_ESCAPES = str.maketrans({"-": "\\u002d", "<": "\\u003c", ">": "\\u003e"})
LIMITS = {"github": GITHUB_LIMIT, "gitlab": GITLAB_LIMIT}
"""The most characters a comment body may have on each platform."""
MAX_COMMENTS = 5_000
"""Most comments of a pull request read while looking for ours: an API whose pages never end is cut off."""
API_DEADLINE_SECONDS = 120.0
"""Longest one call to a forge's API may take, all its pages included (each read also times out at 30 s)."""
_COMMIT_ID = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


@dataclass(frozen=True)
class Marker:
    head: str
    stacks: tuple[str, ...]


def marker(head: str, stacks: Sequence[str]) -> str:
    """The hidden marker line; `-`, `<` and `>` are JSON escapes so the payload can never end the comment."""
    payload = json.dumps({"head": head, "stacks": sorted(stacks)}, separators=(",", ":"), ensure_ascii=True)
    return f"<!-- {MARKER_NAME}: {payload.translate(MARKER_ESCAPES)} -->"


def read_marker(body: str) -> Marker | None:
    """The marker of a comment body, or None when it has none (or a malformed one: a head that is
    not a commit id never reaches git)."""
    found = _MARKER.search(body)
    if found is None:
        return None
    try:
        payload = json.loads(found["payload"])
    except (ValueError, RecursionError):  # anyone can write a comment: a marker nested too deep is none
        return None
    head, stacks = payload.get("head"), payload.get("stacks")
    if not isinstance(head, str) or not isinstance(stacks, list) or not all(isinstance(s, str) for s in stacks):
        return None
    if not _COMMIT_ID.fullmatch(head):
        return None
    return Marker(head=head, stacks=tuple(stacks))


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str
    """The login (GitHub) or username (GitLab) that wrote it; empty for a deleted account."""


class Forge(Protocol):
    """The few calls a sticky comment needs from a code-hosting API."""

    def head_commit(self) -> str: ...
    def identity(self) -> str | None:
        """The login the token writes comments as, or None when the API will not say (a GitHub Actions token)."""
        ...

    def comments(self) -> list[Comment]: ...
    def create(self, body: str) -> None: ...
    def update(self, comment_id: int, body: str) -> None: ...


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED_STALE = "skipped: a newer commit is under review"


def post_sticky(
    forge: Forge, body: str, *, author: str, is_ancestor: Callable[[str, str], bool]
) -> tuple[Outcome, str]:
    """Create or update the pull request's one review comment, the newest one `author` wrote with the
    marker; returns what happened and why."""
    own = read_marker(body)
    if own is None:
        raise InputError(
            "the comment has no inferfleet-review marker", hint="write it with `inferfleet diff --markdown`"
        )
    current = forge.head_commit()
    if current != own.head:
        return Outcome.SKIPPED_STALE, f"the pull request's head is {current[:12]}, this comment is for {own.head[:12]}"
    ours = [
        (comment, found)
        for comment in forge.comments()
        if comment.author == author and (found := read_marker(comment.body)) is not None
    ]
    if not ours:
        forge.create(body)
        return Outcome.CREATED, "no review comment yet"
    comment, existing = max(ours, key=lambda pair: pair[0].id)
    if existing.head != own.head and is_ancestor(own.head, existing.head):
        return Outcome.SKIPPED_STALE, f"comment {comment.id} is for {existing.head[:12]}, a newer commit"
    if comment.body == body:
        return Outcome.UNCHANGED, f"comment {comment.id} already says this"
    forge.update(comment.id, body)
    return Outcome.UPDATED, f"comment {comment.id} updated"


def check_size(body: str, platform: str) -> None:
    limit = LIMITS[platform]
    if len(body) > limit:
        raise InputError(f"the comment has {len(body)} characters; {platform} takes at most {limit}")


def _api_error(platform: str, exc: Exception, status: Any) -> EngineError:
    if status in (401, 403):
        return EngineError(
            f"{platform} rejected the token (HTTP {status})",
            hint="check that the token may write pull-request comments (GitHub: pull-requests: write)",
        )
    return EngineError(f"{platform} API call failed: {type(exc).__name__} (HTTP {status})")


def _unexpected(platform: str, exc: Exception, token: str) -> EngineError:
    # The client libraries build objects from whatever the API answered: a wrong type, a redirect
    # elsewhere, an answer too long or not JSON surfaces as one of many exceptions, whose text can
    # quote a request header: the token is blanked out of it.
    text = str(exc).replace(token, "***") if token else str(exc)
    return EngineError(f"{platform} API answered something unexpected ({type(exc).__name__}: {cut(text, 200)})")


def _commit_id(value: Any, platform: str) -> str:
    if not isinstance(value, str) or not _COMMIT_ID.fullmatch(value):
        raise EngineError(f"{platform} API answered a head commit that is not a commit id: {cut(repr(value), 80)}")
    return value


LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}(\[bot\])?")
"""A GitHub login (letters, digits, `-`; an app's bot ends in `[bot]`) or a GitLab username (also `_` and `.`)."""


def _login(value: Any, platform: str) -> str:
    if not isinstance(value, str) or not LOGIN.fullmatch(value):
        raise EngineError(f"{platform} API answered a user name that is not one: {cut(repr(value), 80)}")
    return value


def _comments(items: Iterable[Any], platform: str) -> list[Comment]:
    comments: list[Comment] = []
    for item in islice(items, MAX_COMMENTS + 1):
        if len(comments) == MAX_COMMENTS:
            raise EngineError(f"{platform}: the pull request has more than {MAX_COMMENTS} comments; not read further")
        identifier, body, author = item.id, item.body, _author(item, platform)
        if not isinstance(identifier, int) or isinstance(identifier, bool) or not isinstance(body, str | None):
            raise EngineError(f"{platform} API answered a comment without an integer id and a text body")
        comments.append(Comment(identifier, body or "", author))
    return comments


def _author(item: Any, platform: str) -> str:
    """Who wrote a comment: GitHub's `user.login`, GitLab's `author.username` (none: a deleted account)."""
    if platform == "GitHub":
        user = item.user
        name = None if user is None else user.login
    else:
        author = getattr(item, "author", None)  # python-gitlab has no attribute for a field the API left out
        name = author.get("username") if isinstance(author, dict) else None
    if name is not None and not isinstance(name, str):
        raise EngineError(f"{platform} API answered a comment whose author's name is not text")
    return name or ""


class GitHubPullRequest:
    """A pull request's issue comments through PyGithub."""

    def __init__(self, *, token: str, api_url: str, repository: str, number: int) -> None:
        from github import Auth, Github

        self._client = Github(auth=Auth.Token(token), base_url=api_url, timeout=30, retry=None, lazy=True, per_page=100)
        self._repository, self._number, self._token = repository, number, token

    def _call(self, action: Callable[[], Any]) -> Any:
        from github import BadAttributeException, GithubException
        from requests import RequestException

        try:
            with within(API_DEADLINE_SECONDS, "the GitHub API call"):
                return action()
        except GithubException as exc:
            raise _api_error("GitHub", exc, exc.status) from None
        except (BadAttributeException, RequestException, RuntimeError, AttributeError, TypeError, ValueError) as exc:
            raise _unexpected("GitHub", exc, self._token) from None

    def _pull(self) -> Any:
        return self._client.get_repo(self._repository).get_pull(self._number)

    def head_commit(self) -> str:
        return _commit_id(self._call(lambda: self._pull().head.sha), "GitHub")

    def identity(self) -> str | None:
        from github import GithubException

        def login() -> Any:
            try:
                return self._client.get_user().login
            except GithubException as exc:
                # An Actions or App token may not ask: "Resource not accessible by integration".
                if exc.status == HTTPStatus.FORBIDDEN:
                    return None
                raise

        found = self._call(login)
        return None if found is None else _login(found, "GitHub")

    def comments(self) -> list[Comment]:
        return self._call(lambda: _comments(self._pull().get_issue_comments(), "GitHub"))  # type: ignore[no-any-return]

    def create(self, body: str) -> None:
        self._call(lambda: self._pull().create_issue_comment(body))

    def update(self, comment_id: int, body: str) -> None:
        self._call(lambda: self._pull().get_issue_comment(comment_id).edit(body))


class GitLabMergeRequest:
    """A merge request's notes through python-gitlab."""

    def __init__(self, *, token: str, api_url: str, project: str, iid: int) -> None:
        import gitlab

        from inferfleet.remote_session import GuardedSession

        # The token travels in a PRIVATE-TOKEN header, which `requests` does not strip on a redirect
        # to another host: the guarded session follows none, and bounds each answer.
        self._client = gitlab.Gitlab(
            api_url,
            private_token=token,
            timeout=30,
            retry_transient_errors=False,
            per_page=100,
            session=GuardedSession(),
        )
        self._project, self._iid, self._token = project, iid, token

    def _call(self, action: Callable[[], Any]) -> Any:
        from gitlab.exceptions import GitlabError
        from requests import RequestException

        try:
            with within(API_DEADLINE_SECONDS, "the GitLab API call"):
                return action()
        except GitlabError as exc:
            raise _api_error("GitLab", exc, exc.response_code) from None
        except (RequestException, AttributeError, TypeError, ValueError) as exc:
            raise _unexpected("GitLab", exc, self._token) from None

    def _merge_request(self) -> Any:
        return self._client.projects.get(self._project, lazy=True).mergerequests.get(self._iid)

    def head_commit(self) -> str:
        return _commit_id(self._call(lambda: self._merge_request().sha), "GitLab")

    def identity(self) -> str | None:
        def current_user() -> Any:
            self._client.auth()
            return getattr(self._client.user, "username", None)

        return _login(self._call(current_user), "GitLab")

    def comments(self) -> list[Comment]:
        return self._call(  # type: ignore[no-any-return]
            lambda: _comments(self._merge_request().notes.list(iterator=True), "GitLab")
        )

    def create(self, body: str) -> None:
        self._call(lambda: self._merge_request().notes.create({"body": body}))

    def update(self, comment_id: int, body: str) -> None:
        def save() -> None:
            note = self._merge_request().notes.get(comment_id, lazy=True)
            note.body = body
            note.save()

        self._call(save)
