"""The guarded `requests` session the GitLab client runs on: answers bounded, redirects kept on their origin."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inferfleet.remote_session import GuardedSession, RemoteAnswerError


@contextmanager
def answering(body: bytes, *, chunked: bool = False) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            if chunked:  # no Content-Length: the size is known only by reading
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(body), 4096):
                    piece = body[start : start + 4096]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("chunked", [False, True])
def test_an_answer_over_the_bound_is_refused(chunked: bool) -> None:
    with answering(b"x" * 100_000, chunked=chunked) as url, pytest.raises(RemoteAnswerError, match="more than 65536"):
        GuardedSession(max_bytes=65_536).get(url, timeout=10)


def test_an_answer_within_the_bound_is_read_whole() -> None:
    with answering(b'{"id": 1}') as url:
        response = GuardedSession(max_bytes=65_536).get(url, timeout=10)
    assert response.json() == {"id": 1}
