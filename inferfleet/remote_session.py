"""A `requests` session for client libraries that take one (python-gitlab): redirects stay on their
origin, answers are bounded in size."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import requests

from inferfleet.remote import origin, same_origin

MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""Largest answer one API call may give (a page of comments is at most a few MiB)."""


class RemoteAnswerError(requests.RequestException):
    """A remote service redirected elsewhere or answered more than the bound."""


class GuardedSession(requests.Session):
    """A session whose redirects stay on the origin they start from (a token in a custom header, such
    as GitLab's PRIVATE-TOKEN, is not one `requests` strips on a redirect to another host), and whose
    answers are read no further than `max_bytes`."""

    def __init__(self, *, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        super().__init__()
        self.max_bytes = max_bytes  # the environment's proxy settings still apply, as in any session

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
