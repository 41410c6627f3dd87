"""Talking to remote services (OPA at a URL, a registry, a forge's API, a pricing API) as untrusted peers.

- :func:`within` bounds a whole exchange in wall-clock time. Client timeouts bound each socket read,
  not the exchange: a server sending one byte a second never trips them.
- :func:`same_origin` is the rule for credentials: they go to the origin (scheme, host, port) they
  were configured for, never to another one a redirect or a link names.

Both without `requests` (0.17 s to import, which the gate does not pay); the guarded `requests`
session is in inferfleet.remote_session.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from inferfleet.errors import EngineError


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
