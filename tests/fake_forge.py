"""A loopback stand-in for the few GitHub and GitLab REST calls a sticky comment makes.

It answers with the documented response shapes (only the fields the clients read), keeps the
comments in memory and records every request, so tests can count creates and updates. It binds
127.0.0.1 only; it stands in for a code-hosting API, which no test may reach.

It can also act as a hostile API (the `hostile` field): redirect every read elsewhere, page the
comments without end, answer them one byte at a time, or give a comment an id that is not a number.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

TOKEN = "test-token-7f3a"
BOT = "fleet-bot"
"""Who the token comments as (GET /user), unless the state says the API will not tell."""
STRANGER = "someone"
"""Who wrote a comment put straight into the state (`comments[id] = body`): anyone but the token's user."""


@dataclass
class ForgeState:
    head_sha: str = ""
    comments: dict[int, str] = field(default_factory=dict)
    authors: dict[int, str] = field(default_factory=dict)
    """Comment id -> its author's login; comments the token writes are BOT's, others STRANGER's."""
    user_forbidden: bool = False
    """GET /user answers 403, as GitHub does for an Actions token (which comments as github-actions[bot])."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 100
    hostile: str | None = None
    """None, or "redirect:<url>", "endless-pages", "drip" or "id-not-a-number" (see the module's docstring)."""

    def add_comment(self, body: str, author: str) -> int:
        self.next_id += 1
        self.comments[self.next_id] = body
        self.authors[self.next_id] = author
        return self.next_id

    def writer(self) -> str:
        return "github-actions[bot]" if self.user_forbidden else BOT

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method in {"POST", "PATCH", "PUT"}]


GITHUB_PULL = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/pulls/(?P<number>\d+)$")
GITHUB_COMMENTS = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)/comments$")
GITHUB_COMMENT = re.compile(r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$")
GITLAB_MR = re.compile(r"^/api/v4/projects/(?P<project>[^/]+)/merge_requests/(?P<iid>\d+)$")
GITLAB_NOTES = re.compile(r"^/api/v4/projects/(?P<project>[^/]+)/merge_requests/(?P<iid>\d+)/notes$")
GITLAB_NOTE = re.compile(r"^/api/v4/projects/(?P<project>[^/]+)/merge_requests/(?P<iid>\d+)/notes/(?P<id>\d+)$")


_STRANGER = {"user": {"login": STRANGER}, "author": {"username": STRANGER}}
"""The author of a hostile listing's comments, in both APIs' shapes."""


def _handler(state: ForgeState, base: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}") if length else {}

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            return header in {f"token {TOKEN}", f"Bearer {TOKEN}"} or self.headers.get("PRIVATE-TOKEN") == TOKEN

        def _hostile(self, method: str, path: str) -> bool:
            """Answers as the hostile API would; False when this request is answered normally."""
            mode = state.hostile or ""
            listing = method == "GET" and bool(GITHUB_COMMENTS.match(path) or GITLAB_NOTES.match(path))
            if mode.startswith("redirect:") and method == "GET":
                self.send_response(302)
                self.send_header("Location", mode.removeprefix("redirect:"))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "endless-pages" and listing:
                data = json.dumps([{"id": 1, "body": "a comment", "url": f"{base[0]}{path}/1", **_STRANGER}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Link", f'<{base[0]}{path}?page=2>; rel="next"')  # the next page is this one
                self.end_headers()
                self.wfile.write(data)
            elif mode == "drip" and listing:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                for _ in range(600):  # a byte every 0.1 s: every read is quick, the answer never ends
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif mode == "id-not-a-number" and listing:
                self._reply(200, [{"id": "5", "body": "a comment", "url": f"{base[0]}{path}/5", **_STRANGER}])
            else:
                return False
            return True

        def _handle(self, method: str) -> None:
            path = urlsplit(self.path).path
            state.requests.append((method, path))
            if not self._authorised():
                self._reply(401, {"message": "Bad credentials"})
                return
            try:
                if self._hostile(method, path):
                    return
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up, as it should
            root = base[0]
            if path in {"/user", "/api/v4/user"} and method == "GET":
                if state.user_forbidden:
                    self._reply(403, {"message": "Resource not accessible by integration"})
                else:
                    self._reply(200, {"login": BOT, "username": BOT, "id": 42, "url": f"{root}/user"})
            elif (match := GITHUB_PULL.match(path)) and method == "GET":
                issue = f"{root}/repos/{match['repo']}/issues/{match['number']}"
                self._reply(
                    200,
                    {
                        "number": int(match["number"]),
                        "url": f"{root}{path}",
                        "issue_url": issue,
                        "head": {"sha": state.head_sha, "ref": "feature"},
                    },
                )
            elif (match := GITHUB_COMMENTS.match(path)) and method == "GET":
                self._reply(
                    200, [self._github_comment(match["repo"], id_, body) for id_, body in state.comments.items()]
                )
            elif (match := GITHUB_COMMENTS.match(path)) and method == "POST":
                id_ = self._add(self._body()["body"])
                self._reply(201, self._github_comment(match["repo"], id_, state.comments[id_]))
            elif (match := GITHUB_COMMENT.match(path)) and method == "PATCH":
                id_ = int(match["id"])
                state.comments[id_] = self._body()["body"]
                self._reply(200, self._github_comment(match["repo"], id_, state.comments[id_]))
            elif (match := GITLAB_MR.match(path)) and method == "GET":
                self._reply(200, {"iid": int(match["iid"]), "id": 1, "project_id": 7, "sha": state.head_sha})
            elif GITLAB_NOTES.match(path) and method == "GET":
                self._reply(
                    200,
                    [
                        {
                            "id": id_,
                            "body": body,
                            "system": False,
                            "author": {"username": state.authors.get(id_, STRANGER)},
                        }
                        for id_, body in state.comments.items()
                    ],
                )
            elif GITLAB_NOTES.match(path) and method == "POST":
                id_ = self._add(self._body()["body"])
                self._reply(201, {"id": id_, "body": state.comments[id_]})
            elif (match := GITLAB_NOTE.match(path)) and method == "PUT":
                id_ = int(match["id"])
                state.comments[id_] = self._body()["body"]
                self._reply(200, {"id": id_, "body": state.comments[id_]})
            else:
                self._reply(404, {"message": "Not Found"})

        def _add(self, body: str) -> int:
            return state.add_comment(body, state.writer())

        def _github_comment(self, repo: str, id_: int, body: str) -> dict[str, Any]:
            url = f"{base[0]}/repos/{repo}/issues/comments/{id_}"
            return {"id": id_, "body": body, "url": url, "user": {"login": state.authors.get(id_, STRANGER)}}

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        def do_PUT(self) -> None:
            self._handle("PUT")

    return Handler


@contextmanager
def fake_forge(head_sha: str, *, hostile: str | None = None) -> Iterator[tuple[str, ForgeState]]:
    """A running stand-in on a free loopback port: (base URL, state)."""
    state = ForgeState(head_sha=head_sha, hostile=hostile)
    base: list[str] = [""]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, base))
    base[0] = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base[0], state
    finally:
        server.shutdown()
        server.server_close()
