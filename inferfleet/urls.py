"""URLs given on the command line or in the environment (OPA, the registry, a forge's API, a pricing
API): one check, so that none reaches a client library that raises on it (an unclosed IPv6 bracket,
a port out of range) and every one is refused as an input error naming its option."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from inferfleet.errors import InputError, cut

MAX_URL_LENGTH = 2000
_USERINFO = re.compile(r"(?<=//)[^/?#]*@")


def without_credentials(url: str) -> str:
    """`url` as shown in a message: whatever stands before an `@` in its authority (`user:password@`)
    written as `***@`, even in a URL that does not parse."""
    return _USERINFO.sub("***@", url)


def http_url(url: str, *, option: str, expected: str = "an http(s) URL", port_required: bool = False) -> SplitResult:
    """`url` split, when it is an http(s) URL with a host (and a port, if required) that every part
    of parses, and no credentials; else an InputError: `<option> '<url>': expected <expected>`, the
    URL shown without what stands before an `@` (a password written into it is never repeated).

    No client here sends credentials from a URL (tokens and TWINE_* variables do): a URL holding
    some is refused rather than used without them."""
    problem = InputError(f"{option} {cut(repr(without_credentials(url)))}: expected {expected}")
    if len(url) > MAX_URL_LENGTH:
        raise problem
    try:
        parts = urlsplit(url)
        port = parts.port  # parsed on access: raises for a port that is not a number or out of range
    except ValueError:  # also an unclosed IPv6 bracket
        raise problem from None
    if parts.scheme not in ("http", "https") or not parts.hostname or (port_required and port is None):
        raise problem
    if "@" in parts.netloc:
        raise InputError(
            f"{option} {cut(repr(without_credentials(url)))}: holds credentials; a URL here carries none "
            "(tokens and passwords come from their environment variables)"
        )
    return parts
