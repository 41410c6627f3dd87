"""Talking to remote services (OPA at a URL, a registry, a forge's API, a pricing API) as untrusted peers.

- :func:`within` bounds a whole exchange in wall-clock time. Client timeouts bound each socket read,
  not the exchange: a server sending one byte a second never trips them.
- :func:`same_origin` is the rule for credentials: they go to the origin (scheme, host, port) they
  were configured for, never to another one a redirect or a link names.
- :class:`GuardedSession` is a `requests` session that keeps both rules and bounds each answer's size,
  for the client libraries that take a session (python-gitlab).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from inferfleet.errors import EngineError

MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""Largest answer a forge API call may give (a page of comments is at most a few MiB)."""


class _Expired(BaseException):
    """Raised by SIGALRM inside a block: not an Exception, so no library's `except Exception` swallows it."""


@contextmanager
def within(seconds: float, what: str) -> Iterator[None]:
    """Run the block for at most `seconds` of wall time, else raise EngineError("<what> did not finish ...").

    A SIGALRM timer interrupts a blocked read in the main thread (the command's). Elsewhere (a
    thread), or inside another bound, the block runs under the clients' own per-read timeouts only.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise EngineError(f"{what} did not finish within {seconds:g} s") from None
    finally:
        signal.signal(signal.SIGALRM, previous)


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def same_origin(url: str, other: str) -> bool:
    return origin(url) == origin(other)


class RemoteAnswerError(requests.RequestException):
    """A remote service redirected elsewhere or answered more than the bound."""


class GuardedSession(requests.Session):
    """A session whose redirects stay on the origin they start from (a token in a custom header, such
    as GitLab's PRIVATE-TOKEN, is not one `requests` strips on a redirect to another host), and whose
    answers are read no further than `max_bytes`."""

    def __init__(self, *, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        super().__init__()
        self.max_bytes = max_bytes
        self.trust_env = False  # no proxy or netrc from the environment: the URL given is the one used

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # Checked before anything of the redirect is read or any header is copied onto the next request.
        target = super().get_redirect_target(resp)
        if target is not None and not same_origin(urljoin(resp.url, target), resp.url):
            resp.close()
            raise RemoteAnswerError(f"{origin(resp.url)[1]} redirected to another host; not followed")
        return target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        stream = kwargs.pop("stream", False)
        response = super().send(request, stream=True, **kwargs)
        if stream:
            return response
        body = bytearray()
        for chunk in response.iter_content(chunk_size=64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                response.close()
                raise RemoteAnswerError(f"{origin(request.url or '')[1]} answered more than {self.max_bytes} bytes")
        # What `requests` does after reading a whole body itself (Response.content).
        response._content = bytes(body)
        response._content_consumed = True
        return response
