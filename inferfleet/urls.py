"""URLs given on the command line or in the environment (OPA, the registry, a forge's API, a pricing
API): one check, so that none reaches a client library that raises on it (an unclosed IPv6 bracket,
a port out of range) and every one is refused as an input error naming its option."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from inferfleet.errors import InputError, cut

MAX_URL_LENGTH = 2000


def http_url(url: str, *, option: str, expected: str = "an http(s) URL", port_required: bool = False) -> SplitResult:
    """`url` split, when it is an http(s) URL with a host (and a port, if required) that every part
    of parses; else an InputError: `<option> '<url>': expected <expected>`."""
    problem = InputError(f"{option} {cut(repr(url))}: expected {expected}")
    if len(url) > MAX_URL_LENGTH:
        raise problem
    try:
        parts = urlsplit(url)
        port = parts.port  # parsed on access: raises for a port that is not a number or out of range
    except ValueError:  # also an unclosed IPv6 bracket
        raise problem from None
    if parts.scheme not in ("http", "https") or not parts.hostname or (port_required and port is None):
        raise problem
    return parts
