"""The module registry: any PyPI-compatible index, and the embedded default (pypiserver on loopback).

Credentials come from twine's usual environment variables (TWINE_USERNAME, TWINE_PASSWORD) or the
keyring twine consults; they are passed to twine and to index queries, never printed or logged.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from http.client import HTTPMessage
from pathlib import Path
from typing import IO

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from inferfleet.errors import EngineError, InputError, cut
from inferfleet.remote import same_origin, within
from inferfleet.urls import http_url, without_credentials

DEFAULT_REGISTRY = "http://127.0.0.1:8080/"
REGISTRY_ENV = "INFERFLEET_REGISTRY"
INDEX_ENV = "INFERFLEET_REGISTRY_INDEX"
MAX_INDEX_BYTES = 4 * 1024 * 1024
"""Largest project page read from an index: a hostile or broken index never fills memory."""
TIMEOUT_SECONDS = 20
"""Longest one exchange with the registry may take (a page or a file), every read included."""
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
"""Largest release file downloaded (a module's wheel is tens of KiB)."""
MAX_URL_LENGTH = 512


class RegistryError(EngineError):
    """The registry is unreachable, answered with a server error or refused a file (exit 3)."""


class RegistryCredentialsError(InputError):
    """The registry refused the credentials (401/403): wrong or missing TWINE_USERNAME/TWINE_PASSWORD (exit 2)."""


def registry_url(url: str | None, *, option: str | None = None) -> str:
    """The registry's upload URL (default: $INFERFLEET_REGISTRY, else the embedded pypiserver), checked;
    errors name `option`, else --registry or the variable the URL came from. Credentials belong in
    TWINE_USERNAME/TWINE_PASSWORD: a URL holding some is refused (inferfleet.urls.http_url)."""
    chosen = url or os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY
    name = option or ("--registry" if url or not os.environ.get(REGISTRY_ENV) else REGISTRY_ENV)
    expected = "an http(s) URL of a PyPI-compatible index"
    if len(chosen) > MAX_URL_LENGTH:
        raise InputError(f"{name} {cut(repr(without_credentials(chosen)))}: expected {expected}")
    http_url(chosen, option=name, expected=expected)
    return chosen if chosen.endswith("/") else chosen + "/"


def simple_index(registry: str) -> str:
    """The PEP 503 simple index of a registry: $INFERFLEET_REGISTRY_INDEX, else `simple/` under the upload URL
    (pypiserver, Nexus, Artifactory); devpi's `.../+simple/` is named with the variable."""
    chosen = os.environ.get(INDEX_ENV)
    if chosen:
        return registry_url(chosen, option=INDEX_ENV)
    return registry if registry.rstrip("/").endswith("simple") else urllib.parse.urljoin(registry, "simple/")


@dataclass(frozen=True)
class Release:
    version: Version
    hashes: dict[str, str | None]
    """File name -> sha256 from the index link's fragment (None when the index gives none)."""

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted(self.hashes))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.links.append((data.strip(), self._href))
            self._href = None


def _auth_header(url: str, registry: str) -> dict[str, str]:
    """The registry's credentials, for a URL on the index's own origin only: pip's rule too. A link
    on the index can name any host, and the credentials must never reach it."""
    user, password = os.environ.get("TWINE_USERNAME"), os.environ.get("TWINE_PASSWORD")
    if not user or password is None or not same_origin(url, simple_index(registry)):
        return {}
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect on the same origin only: urllib copies every header, credentials included,
    onto the redirected request, whatever host it names."""

    def redirect_request(  # noqa: PLR0917 (urllib's signature)
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        if not same_origin(newurl, req.full_url):
            raise urllib.error.HTTPError(req.full_url, code, "redirect to another host refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameOriginRedirects)


def _read(url: str, registry: str, *, limit: int, accept: str) -> tuple[bytes, str]:
    """(at most `limit` + 1 bytes of the answer, the URL that answered), within TIMEOUT_SECONDS."""
    request = urllib.request.Request(url, headers={"Accept": accept, **_auth_header(url, registry)})
    with within(TIMEOUT_SECONDS, f"registry {registry}"), _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
        return response.read(limit + 1), response.geturl()


def project_page(registry: str, distribution: str) -> tuple[str, list[tuple[str, str]]]:
    """(page URL, [(file name, href)]) of a distribution on the index; no page means no release."""
    url = urllib.parse.urljoin(simple_index(registry), canonicalize_name(distribution) + "/")
    try:
        body, final_url = _read(url, registry, limit=MAX_INDEX_BYTES, accept="text/html")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return url, []
        if exc.code in (401, 403):
            raise RegistryCredentialsError(
                f"registry {registry}: credentials refused (HTTP {exc.code}) reading {distribution}",
                hint="set TWINE_USERNAME and TWINE_PASSWORD (or a keyring entry) for this index",
            ) from exc
        raise RegistryError(f"registry {registry}: HTTP {exc.code} reading {distribution} ({exc.reason})") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryError(
            f"registry {registry}: unreachable ({reason})", hint="start it: inferfleet registry serve"
        ) from exc
    if len(body) > MAX_INDEX_BYTES:
        raise RegistryError(f"registry {registry}: the page of {distribution} exceeds {MAX_INDEX_BYTES} bytes")
    parser = _Links()
    parser.feed(body.decode("utf-8", errors="replace"))
    return final_url, parser.links


def releases(registry: str, distribution: str) -> list[Release]:
    """Every version of `distribution` on the index, oldest first, with its files."""
    _, links = project_page(registry, distribution)
    files: dict[Version, dict[str, str | None]] = {}
    wanted = canonicalize_name(distribution)
    for name, href in links:
        try:
            if name.endswith(".whl"):
                project, version, *_ = parse_wheel_filename(name)
            else:
                project, version = parse_sdist_filename(name)
        except (InvalidWheelFilename, InvalidSdistFilename, ValueError):  # ValueError: a 5,000-digit version part
            continue
        if project == wanted:
            fragment = urllib.parse.urlsplit(href).fragment
            digest = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
            files.setdefault(version, {})[name] = digest
    return [Release(version, hashes) for version, hashes in sorted(files.items())]


def newest_release(registry: str, distribution: str) -> Release | None:
    found = [release for release in releases(registry, distribution) if not release.version.is_prerelease]
    return found[-1] if found else None


def download(registry: str, distribution: str, file_name: str, target: Path) -> Path:
    """Fetch one file of a release (e.g. the newest wheel, to read its API) into `target`."""
    page, links = project_page(registry, distribution)
    hrefs = [href for name, href in links if name == file_name]
    if not hrefs:
        raise RegistryError(f"registry {registry}: no file {file_name} for {distribution}")
    url = urllib.parse.urljoin(page, hrefs[0]).split("#", maxsplit=1)[0]
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise RegistryError(f"registry {registry}: the link to {file_name} is not an http(s) URL")
    try:
        body, _ = _read(url, registry, limit=MAX_DOWNLOAD_BYTES, accept="*/*")
    except (urllib.error.URLError, OSError) as exc:
        raise RegistryError(f"registry {registry}: cannot download {file_name} ({exc})") from exc
    if len(body) > MAX_DOWNLOAD_BYTES:
        raise RegistryError(f"registry {registry}: {file_name} is over {MAX_DOWNLOAD_BYTES} bytes")
    path = target / Path(file_name).name
    path.write_bytes(body)
    return path


_USER_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


MAX_PASSWORD_BYTES = 1024


def check_password(password: str) -> None:
    """A password htpasswd can hold: not empty, printable, at most MAX_PASSWORD_BYTES of UTF-8.
    The errors never quote it."""
    if not password:
        raise InputError("password: empty; give one on stdin")
    try:
        size = len(password.encode("utf-8"))
    except UnicodeEncodeError:
        raise InputError("password: is not UTF-8 text") from None
    if size > MAX_PASSWORD_BYTES:
        raise InputError(f"password: longer than {MAX_PASSWORD_BYTES} bytes")
    if not password.isprintable():
        raise InputError("password: holds a control character (a tab, a NUL, an escape)")


def add_user(htpasswd: Path, user: str, password: str) -> None:
    """Add or change a user of the registry's htpasswd file (sha256-crypt hashes, file mode 0600)."""
    from passlib.apache import HtpasswdFile

    if not _USER_NAME.fullmatch(user):
        raise InputError(f"user {user[:80]!r}: expected 1-64 letters, digits, '.', '_' or '-'")
    check_password(password)
    htpasswd.parent.mkdir(parents=True, exist_ok=True)
    users = HtpasswdFile(str(htpasswd), new=not htpasswd.exists(), default_scheme="sha256_crypt")
    users.set_password(user, password)
    temporary = htpasswd.with_name(htpasswd.name + ".tmp")
    temporary.write_bytes(users.to_string())
    temporary.chmod(0o600)
    os.replace(temporary, htpasswd)


def serve_arguments(packages: Path, *, port: int, htpasswd: Path, authenticated_downloads: bool) -> list[str]:
    """The pypi-server command line: loopback only, no fallback to the public index, uploads need a password."""
    if not 0 < port < 65536:
        raise InputError(f"--port {port}: expected 1-65535")
    if not htpasswd.is_file():
        raise InputError(f"{htpasswd}: no htpasswd file", hint="create a user first: inferfleet registry add-user NAME")
    actions = "update,download,list" if authenticated_downloads else "update"
    return [
        sys.executable,
        "-m",
        "pypiserver",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--authenticate",
        actions,
        "--passwords",
        str(htpasswd),
        "--disable-fallback",
        "--hash-algo",
        "sha256",
        str(packages),
    ]
