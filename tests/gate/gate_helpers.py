"""Helpers of the gate tests: run the CLI in-process, write plans, small fake OPA servers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from inferfleet.cli.app import main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "policies" / "opa"


def run_gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `inferfleet gate ARGS`."""
    capsys.readouterr()
    code = main(["gate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fixture_plan(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


@contextmanager
def http_server(
    status: int, body: bytes, *, delay: threading.Event | None = None, drip: float | None = None
) -> Iterator[str]:
    """A loopback HTTP server answering every request with `body` (after `delay` is set, if given;
    one byte every `drip` seconds, if given: each read is quick, the answer takes long)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer()

        def _answer(self) -> None:
            if delay is not None:
                delay.wait(10)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if drip is None:
                    self.wfile.write(body)
                for byte in body if drip is not None else b"":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(drip)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the gate gave up waiting (the timeout tests): nobody is left to answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        if delay is not None:
            delay.set()
        server.shutdown()
        server.server_close()


@contextmanager
def held_port() -> Iterator[int]:
    """A loopback port some other process is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]
