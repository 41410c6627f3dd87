"""The registry client against a hostile index: a loopback stand-in for a PyPI-compatible index that
redirects elsewhere, links files on other hosts, answers slowly or serves oversized and malformed files.
(The honest registry is the real pypiserver, in test_module_release.py.)"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inferfleet.errors import EngineError
from inferfleet.release import module as module_release
from inferfleet.release import registry

PASSWORD = "S3CRET-PASSWORD"


@dataclass
class Index:
    url: str
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    """Path -> (status, headers, body)."""
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, Authorization header) of every request."""
    drip: bool = False


@contextmanager
def index_server(host: str = "127.0.0.1") -> Iterator[Index]:
    index = Index(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            index.seen.append((self.path, self.headers.get("Authorization")))
            status, headers, body = index.pages.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) if not index.drip else 10**6))
            self.end_headers()
            try:
                if index.drip:
                    for _ in range(300):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.1)
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    index.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()


def page(*links: tuple[str, str]) -> tuple[int, dict[str, str], bytes]:
    body = "".join(f'<a href="{href}">{name}</a>\n' for name, href in links)
    return 200, {"Content-Type": "text/html"}, f"<html><body>{body}</body></html>".encode()


def wheel(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINE_USERNAME", "uploader")
    monkeypatch.setenv("TWINE_PASSWORD", PASSWORD)
    monkeypatch.delenv(registry.INDEX_ENV, raising=False)


def test_an_index_page_redirected_to_another_host_is_refused_and_the_credentials_stay() -> None:
    with index_server() as honest, index_server("localhost") as elsewhere:
        honest.pages["/simple/inferfleet-vpc/"] = (302, {"Location": f"{elsewhere.url}/simple/inferfleet-vpc/"}, b"")
        elsewhere.pages["/simple/inferfleet-vpc/"] = page(("inferfleet_vpc-9.0.0-py3-none-any.whl", "x.whl"))
        with pytest.raises(registry.RegistryError, match="redirect to another host refused"):
            registry.releases(honest.url + "/", "inferfleet-vpc")
    assert elsewhere.seen == []


def test_a_redirect_on_the_same_host_is_followed_with_the_credentials() -> None:
    with index_server() as honest:
        honest.pages["/simple/inferfleet-vpc/"] = (301, {"Location": "/moved/inferfleet-vpc/"}, b"")
        honest.pages["/moved/inferfleet-vpc/"] = page(("inferfleet_vpc-1.2.0-py3-none-any.whl", "f.whl"))
        found = registry.releases(honest.url + "/", "inferfleet-vpc")
    assert [str(release.version) for release in found] == ["1.2.0"]
    assert all(auth is not None and auth.startswith("Basic ") for _, auth in honest.seen)


def test_a_file_on_another_host_is_downloaded_without_the_credentials(tmp_path: Path) -> None:
    name = "inferfleet_vpc-1.2.0-py3-none-any.whl"
    with index_server() as honest, index_server("localhost") as files:
        honest.pages["/simple/inferfleet-vpc/"] = page((name, f"{files.url}/files/{name}"))
        files.pages[f"/files/{name}"] = (200, {}, b"wheel bytes")
        path = registry.download(honest.url + "/", "inferfleet-vpc", name, tmp_path)
    assert path.read_bytes() == b"wheel bytes"
    assert files.seen == [(f"/files/{name}", None)]


def test_a_file_over_the_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "MAX_DOWNLOAD_BYTES", 1024)
    name = "inferfleet_vpc-1.2.0-py3-none-any.whl"
    with index_server() as honest:
        honest.pages["/simple/inferfleet-vpc/"] = page((name, f"/files/{name}"))
        honest.pages[f"/files/{name}"] = (200, {}, b"x" * 5000)
        with pytest.raises(registry.RegistryError, match="is over 1024 bytes"):
            registry.download(honest.url + "/", "inferfleet-vpc", name, tmp_path)
    assert not list(tmp_path.iterdir())


def test_an_index_that_answers_a_byte_at_a_time_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "TIMEOUT_SECONDS", 1.5)
    started = time.monotonic()
    with index_server() as slow:
        slow.pages["/simple/inferfleet-vpc/"] = page(("inferfleet_vpc-1.2.0-py3-none-any.whl", "a.whl"))
        slow.drip = True
        with pytest.raises(EngineError, match=r"did not finish within 1\.5 s"):
            registry.releases(slow.url + "/", "inferfleet-vpc")
    assert time.monotonic() - started < 10


def test_versions_no_one_can_read_are_skipped() -> None:
    with index_server() as honest:
        honest.pages["/simple/inferfleet-vpc/"] = page(
            ("inferfleet_vpc-1.2.0-py3-none-any.whl", "a.whl"),
            (f"inferfleet_vpc-1.{'9' * 5000}.0-py3-none-any.whl", "b.whl"),  # more digits than int() reads
        )
        found = registry.releases(honest.url + "/", "inferfleet-vpc")
    assert [str(release.version) for release in found] == ["1.2.0"]


@pytest.mark.parametrize(
    ("version", "files", "expected"),
    [
        ("1.0.post1", {}, "is not MAJOR.MINOR.PATCH"),
        ("1.3.0", None, "is not a wheel that can be read"),
        ("1.3.0", {"inferfleet_vpc/__init__.py": b"#" * 5000}, "sources unpack to more than 4096 bytes"),
    ],
)
def test_a_newest_release_that_is_not_ours_to_compare_with_is_an_engine_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, files: dict[str, bytes] | None, expected: str
) -> None:
    monkeypatch.setattr(module_release, "MAX_WHEEL_SOURCE_BYTES", 4096)
    name = f"inferfleet_vpc-{version}-py3-none-any.whl"
    body = wheel(files) if files is not None else b"not a zip archive"
    with index_server() as honest:
        honest.pages["/simple/inferfleet-vpc/"] = page((name, f"/files/{name}"))
        honest.pages[f"/files/{name}"] = (200, {}, body)
        api_from_registry: Callable[[str, str], object] = module_release._api_from_registry
        with pytest.raises(registry.RegistryError, match=expected):
            api_from_registry(honest.url + "/", "inferfleet-vpc")
