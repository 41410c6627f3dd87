"""Policy engines: the interface the gate evaluates plans through, and its two OPA engines.

- OpaEvalEngine, what the gate runs by default: one OPA process of ours per decision, the way
  `opa eval` and conftest decide a document. It is launched before the plan is read, so OPA
  compiles the policies meanwhile, and then reads the policy input on its stdin. The project's own
  OPA build (tools/opa, `make bootstrap`) reads it with `opa inferfleet-eval`, which decodes JSON
  straight into Rego values; any other OPA binary is run as `opa eval --stdin-input`.
- OpaEngine: an OPA server, an existing one (`--opa-url`) or one of our own (`opa run --server` on a
  free loopback port) for a process that decides many plans, queried on OPA's REST API.

Either way the whole plan is decided in ONE query, never one query per resource; the input is
written as orjson bytes (the standard library's encoder took longer than OPA's parse on large
plans). Every way OPA can fail (missing, not starting, port taken, killed, slow, answering
nonsense) becomes an EngineError: the gate never passes a plan it could not decide.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

import orjson

from inferfleet.errors import EngineError, UsageError, cut
from inferfleet.gate.catalog import ENFORCEMENTS, SEVERITIES
from inferfleet.plan.load import STRICT_JSON
from inferfleet.remote import within
from inferfleet.urls import http_url

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICIES = REPO_ROOT / "policies" / "opa"
PROJECT_OPA = REPO_ROOT / ".tools" / "bin" / "opa"
OPA_ENV = "INFERFLEET_OPA"

QUERY = (
    "violations := [v | some name; some v in data[name].deny]; "
    "policies := {name | some name; data[name].deny}; "
    "unexamined := data.lib.unexamined({t | some name; some t in data[name].examined})"
)
"""One ad-hoc query over every loaded package with a `deny` rule: the plan is decided at once. It also
asks which of the plan's resource types no policy examined (each policy declares the types its rules
read in an `examined` set; lib.unexamined counts the rest), so a report shows what the gate did not see."""

MAX_ANSWER_BYTES = 256 * 1024 * 1024
"""A bound on OPA's answer: a server at --opa-url is not trusted to answer sensibly."""
VIOLATION_KEYS = ("policy_id", "severity", "enforcement", "urn", "message", "remediation")
_BOOTSTRAP_HINT = "run `make bootstrap` (builds OPA into .tools/bin), set INFERFLEET_OPA, or pass --opa-bin"


class PolicyEngine(Protocol):
    """Decides a policy input (a plan) and returns its violations and the policy packages it evaluated."""

    def evaluate(self, policy_input: Mapping[str, Any]) -> tuple[list[dict[str, Any]], set[str]]: ...

    def decide(self, policy_input: Mapping[str, Any]) -> Decision: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Decision:
    """One query's answer: the violations, the policy packages evaluated, and the plan's resource
    types no policy examined (type -> count of resources)."""

    violations: list[dict[str, Any]]
    policies: set[str]
    unexamined: dict[str, int] | None
    """None when the server did not compute it (it lacks this repository's lib package)."""


def find_opa(explicit: str | None = None) -> Path:
    """The OPA binary: --opa-bin, then $INFERFLEET_OPA, then the project's .tools/bin/opa, then PATH."""
    candidates: list[tuple[str, str | None]] = [
        ("--opa-bin", explicit),
        (f"${OPA_ENV}", os.environ.get(OPA_ENV)),
        ("the project's .tools/bin/opa", str(PROJECT_OPA) if PROJECT_OPA.exists() else None),
        ("PATH", shutil.which("opa")),
    ]
    for source, value in candidates:
        if not value:
            continue
        path = Path(value)
        if not path.is_file() or not os.access(path, os.X_OK):
            raise EngineError(f"OPA binary {path} (from {source}) is missing or not executable", hint=_BOOTSTRAP_HINT)
        return path
    raise EngineError(
        "no OPA binary found (looked at --opa-bin, $INFERFLEET_OPA, .tools/bin/opa, PATH)", hint=_BOOTSTRAP_HINT
    )


def _dies_with_parent() -> list[str]:
    """The command prefix that makes OPA's process never outlive the gate.

    A gate that is stopped normally or by a signal it can catch (SIGINT, SIGTERM, SIGHUP) stops OPA
    itself (OpaServer.stop, through the engine's context manager). This covers the rest, a gate
    killed outright (SIGKILL, a crash): util-linux `setpriv --pdeathsig` asks Linux to send OPA
    SIGTERM when the thread that started it ends, and then runs OPA in its own place (same pid).

    Not a `preexec_fn`: Python code between fork and exec in a process with other threads (the
    CrossGuard pack serves gRPC from a thread pool) can crash or deadlock the child, which showed as
    "OPA exited with status -11, no output" under load. Without setpriv (not Linux, or an older
    util-linux), OPA is stopped only by the gate itself.
    """
    if not sys.platform.startswith("linux"):
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None or not _supports_pdeathsig(setpriv):
        return []
    return [setpriv, "--pdeathsig", "TERM", "--"]


@functools.cache
def _supports_pdeathsig(setpriv: str) -> bool:
    """Whether this setpriv knows --pdeathsig (util-linux 2.33 and later)."""
    try:
        probe = subprocess.run(
            [setpriv, "--pdeathsig", "TERM", "--", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


OPA_GOGC = "400"
"""Go's collector target for an OPA server of ours and for a stock `opa eval`: a gated plan is
decoded once into a heap that stays alive until the answer, so the default (100) collects it over
and over. 400 cut the CPU of an `opa eval` of a 50,000-resource plan by 17% (bench/gate_scale.py
shows it with and without) for half as much memory again at that size. A GOGC set in the
environment wins."""


def _opa_environment() -> dict[str, str]:
    return {"GOGC": OPA_GOGC, **os.environ}


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class OpaServer:
    """An `opa run --server` process of our own, on 127.0.0.1 only, stopped on close."""

    def __init__(
        self,
        policies: Path,
        *,
        binary: Path,
        port: int | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        self.policies = policies
        self.binary = binary
        self.requested_port = port
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._attempts_left = 0
        self._deadline = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start OPA and wait until it answers."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start OPA without waiting for it: it loads and compiles the policies while the caller goes on
        (the gate reads and checks the plan meanwhile); :meth:`wait_ready` before the first query."""
        if not self.policies.is_dir():
            raise UsageError(f"{self.policies}: no such policies folder (--policies)")
        # A port picked free can be taken before OPA binds it; only then is another try worth it.
        self._attempts_left = 1 if self.requested_port else 3
        try:
            self._spawn()
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed while OPA was starting
            self.stop()
            raise

    def wait_ready(self) -> None:
        """Wait until the launched OPA is healthy; relaunch on another port if its port was taken."""
        try:
            while True:
                try:
                    self._wait_healthy()
                    return
                except EngineError as exc:
                    self._attempts_left -= 1
                    if self._attempts_left <= 0 or "address already in use" not in str(exc):
                        raise
                    self.stop()
                    self._spawn()
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> None:
        self.port = self.requested_port or free_loopback_port()
        # Lives as long as the process (closed in stop()), so OPA's errors can be quoted when it fails.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        command = [
            *_dies_with_parent(),
            str(self.binary),
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{self.port}",
            "--bundle",
            "--ignore",
            "*_test.rego",
            "--skip-version-check",
            "--log-level",
            "error",
            str(self.policies),
        ]
        try:
            self.process = subprocess.Popen(
                command,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_opa_environment(),
                # Its own process group: stop() ends whatever it started too (INFERFLEET_OPA may be a wrapper script).
                start_new_session=True,
            )
        except OSError as exc:
            raise EngineError(f"could not run OPA ({self.binary}): {exc}", hint=_BOOTSTRAP_HINT) from exc
        self._deadline = time.monotonic() + self.startup_timeout

    def _wait_healthy(self) -> None:
        if self.process is None:
            raise EngineError("OPA was stopped before it became healthy")
        while True:
            if self.process.poll() is not None:
                raise EngineError(
                    f"OPA exited with status {self.process.returncode} while starting on 127.0.0.1:{self.port}: "
                    f"{self.output() or 'no output'}"
                )
            if _healthy(self.url):
                return
            if time.monotonic() > self._deadline:
                raise EngineError(
                    f"OPA did not become healthy on 127.0.0.1:{self.port} within {self.startup_timeout:g}s"
                )
            time.sleep(0.02)

    def output(self) -> str:
        """What OPA printed (its errors), trimmed."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return " ".join(self._log.read().decode("utf-8", "replace").split())[-2000:]

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
            os.killpg(self.process.pid, signum)

    def exit_status(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        if self.process is not None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait()
            self._signal_group(signal.SIGKILL)  # anything of the group still left (a wrapper's children)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


class OpaEngine:
    """Evaluates plans on an OPA server (ours, or one at a URL) through its REST API (`POST /v1/query`)."""

    def __init__(self, url: str, *, timeout: float = 30.0, server: OpaServer | None = None) -> None:
        http_url(url, option="--opa-url", expected="http(s)://HOST:PORT", port_required=True)
        self.url = url
        self.server = server
        self.timeout = timeout
        self._ready = server is None
        self._start_error: EngineError | None = None

    @classmethod
    def start(
        cls,
        policies: Path = DEFAULT_POLICIES,
        *,
        binary: str | None = None,
        port: int | None = None,
        timeout: float = 30.0,
        startup_timeout: float = 15.0,
        wait: bool = True,
    ) -> OpaEngine:
        """An engine on a new OPA server of ours, started and healthy; `wait=False` returns as soon as
        OPA is launched, and the first query waits for it (the caller's own work overlaps OPA's start)."""
        try:
            server = OpaServer(policies, binary=find_opa(binary), port=port, startup_timeout=startup_timeout)
            server.launch()
        except EngineError as exc:
            if wait:
                raise
            # Said at the first query, so that an input error found meanwhile is reported first (exit 2).
            engine = cls("http://127.0.0.1:0", timeout=timeout)
            engine._start_error = exc
            return engine
        engine = cls(server.url, timeout=timeout, server=server)
        if wait:
            engine.wait_ready()
        return engine

    def wait_ready(self) -> None:
        """Wait for our OPA server, if it is still starting (a server at a URL is taken as it is)."""
        if self._start_error is not None:
            raise self._start_error
        if self.server is not None and not self._ready:
            self.server.wait_ready()  # stops the server if it never became healthy
            self.url = self.server.url  # a taken port may have moved it
            self._ready = True

    def __enter__(self) -> OpaEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()

    def evaluate(self, policy_input: Mapping[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
        decision = self.decide(policy_input)
        return decision.violations, decision.policies

    def decide(self, policy_input: Mapping[str, Any]) -> Decision:
        self.wait_ready()
        body = _json_bytes({"query": QUERY, "input": policy_input})
        try:
            status, raw = _request(self.url, "POST", "/v1/query", body=body, timeout=self.timeout)
        except TimeoutError as exc:
            raise EngineError(f"OPA at {self.url} did not finish within {self.timeout:g} s") from exc
        except ConnectionError as exc:  # refused, reset, or closed without an answer
            raise EngineError(f"lost OPA at {self.url}{self._process_note()}: {exc}") from exc
        except (http.client.HTTPException, OSError) as exc:
            raise EngineError(f"OPA at {self.url} failed: {exc}") from exc
        if status >= HTTPStatus.BAD_REQUEST:
            raise EngineError(f"OPA at {self.url} refused the query: {_error_text(status, raw)}")
        if len(raw) > MAX_ANSWER_BYTES:
            raise EngineError(f"OPA at {self.url} answered more than {MAX_ANSWER_BYTES} bytes")
        try:
            answer = read_answer(raw)
        except ValueError as exc:  # the JSON reader's errors, a key twice, a number out of range, not UTF-8
            raise EngineError(f"OPA at {self.url} answered something that is not JSON: {cut(str(exc))}") from None
        except RecursionError:
            raise EngineError(f"OPA at {self.url} answered JSON nested too deeply to read") from None
        violations, policies = parse_answer(answer, self.url)
        return Decision(violations, policies, parse_unexamined(answer, self.url))

    def _process_note(self) -> str:
        if self.server is None:
            return ""
        status = self.server.exit_status()
        return f" (our OPA process exited with status {status})" if status is not None else ""


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:  # integers beyond 64 bits: OPA takes them, orjson does not write them
        return json.dumps(document).encode()


class OpaEvalEngine:
    """Decides each plan in an OPA process of its own, started before the plan is needed.

    The first process is launched with the engine, so OPA loads and compiles the policies while the
    caller reads and checks the plan; each later decision launches another. A process that is not
    needed, times out or is interrupted is stopped with everything it started (its own process
    group); OPA's errors are quoted from its stderr.
    """

    def __init__(self, policies: Path, *, binary: Path, timeout: float = 30.0) -> None:
        if not policies.is_dir():
            raise UsageError(f"{policies}: no such policies folder (--policies)")
        self.policies = policies
        self.binary = binary
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._answer: IO[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._start_error: EngineError | None = None

    @classmethod
    def start(
        cls, policies: Path = DEFAULT_POLICIES, *, binary: str | None = None, timeout: float = 30.0
    ) -> OpaEvalEngine:
        """An engine whose first OPA process is already compiling the policies. When OPA cannot be
        found or started, that is said at the first decision, so that an input error found meanwhile is
        reported first (exit 2)."""
        try:
            engine = cls(policies, binary=find_opa(binary), timeout=timeout)
        except EngineError as exc:
            engine = cls(policies, binary=Path(binary or "opa"), timeout=timeout)
            engine._start_error = exc
            return engine
        try:
            engine.launch()
        except EngineError as exc:
            engine._start_error = exc
        return engine

    @property
    def project_build(self) -> bool:
        """Whether the binary is the project's OPA build, which has `inferfleet-eval`."""
        return self.binary.resolve() == PROJECT_OPA.resolve()

    def command(self) -> list[str]:
        bundle = ["--bundle", str(self.policies), "--ignore", "*_test.rego"]
        if self.project_build:
            return [str(self.binary), "inferfleet-eval", *bundle, QUERY]
        return [str(self.binary), "eval", "--stdin-input", *bundle, "--format", "json", QUERY]

    def launch(self) -> None:
        self.close()
        # Files, not pipes: OPA's answer and errors never block it, whatever it writes before it reads.
        self._answer = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                [*_dies_with_parent(), *self.command()],
                stdin=subprocess.PIPE,
                stdout=self._answer,
                stderr=self._errors,
                # `inferfleet-eval` sets its own collector policy (tools/opa/evalcmd.go).
                env=dict(os.environ) if self.project_build else _opa_environment(),
                # Its own process group: close() ends whatever it started too (INFERFLEET_OPA may be a wrapper).
                start_new_session=True,
            )
        except OSError as exc:
            self.close()
            raise EngineError(f"could not run OPA ({self.binary}): {exc}", hint=_BOOTSTRAP_HINT) from exc

    def __enter__(self) -> OpaEvalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):  # EPIPE: OPA never read what was written
                    self.process.stdin.close()
            self.process = None
        for file in (self._answer, self._errors):
            if file is not None:
                file.close()
        self._answer = self._errors = None

    def evaluate(self, policy_input: Mapping[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
        decision = self.decide(policy_input)
        return decision.violations, decision.policies

    def decide(self, policy_input: Mapping[str, Any]) -> Decision:
        if self._start_error is not None:
            raise self._start_error
        body = _json_bytes(policy_input)
        if self.process is None:
            self.launch()
        assert self.process is not None
        assert self._answer is not None
        source = str(self.binary)
        try:
            try:
                self.process.communicate(body, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                raise EngineError(f"OPA ({source}) did not finish within {self.timeout:g} s") from None
            if self.process.returncode != 0:
                raise EngineError(
                    f"OPA exited with status {self.process.returncode}: {self._error_output() or 'no output'}"
                )
            size = self._answer.seek(0, os.SEEK_END)
            if size > MAX_ANSWER_BYTES:
                raise EngineError(f"OPA ({source}) answered more than {MAX_ANSWER_BYTES} bytes")
            self._answer.seek(0)
            raw = self._answer.read()
        finally:
            self.close()
        try:
            answer = eval_answer(read_answer(raw))
        except ValueError as exc:
            raise EngineError(f"OPA ({source}) answered something that is not JSON: {cut(str(exc))}") from None
        except RecursionError:
            raise EngineError(f"OPA ({source}) answered JSON nested too deeply to read") from None
        violations, policies = parse_answer(answer, source)
        return Decision(violations, policies, parse_unexamined(answer, source))

    def _error_output(self) -> str:
        assert self._errors is not None
        self._errors.seek(0)
        return " ".join(self._errors.read(64 * 1024).decode("utf-8", "replace").split())[-2000:]


def eval_answer(answer: Any) -> Any:
    """An `opa eval --format json` answer (rows of expressions and bindings) as the REST API's ad-hoc
    query answers (rows of bindings); any other shape is left for parse_answer to refuse."""
    if isinstance(answer, dict) and isinstance(answer.get("result"), list):
        rows = answer["result"]
        if all(isinstance(row, dict) and isinstance(row.get("bindings"), dict) for row in rows):
            return {"result": [row["bindings"] for row in rows]}
    return answer


def read_answer(raw: bytes) -> Any:
    """OPA's answer as JSON, read by the plans' strict reader: a key written twice is refused (orjson
    keeps the last one, so an answer holding `violations` twice, the second empty, passed the gate),
    and integers stay exact (orjson reads one beyond 64 bits as a float). Raises ValueError, or
    RecursionError for nesting deeper than the reader recurses."""
    return STRICT_JSON.decode(raw.decode("utf-8"))


def _request(url: str, method: str, path: str, *, body: bytes | None, timeout: float) -> tuple[int, bytes]:
    """One HTTP request to OPA: its status and at most MAX_ANSWER_BYTES + 1 bytes of its answer.

    The standard library's client, on a connection of its own: `requests` took 0.17 s of CPU to
    import, a quarter of a small plan's whole gate, for two kinds of request to a server we started.
    """
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    # `timeout` bounds each read; `within` the whole exchange (an answer dripping a byte a second).
    try:
        with within(timeout, f"OPA at {url}"):
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(MAX_ANSWER_BYTES + 1)
    finally:
        connection.close()


def _healthy(url: str) -> bool:
    try:
        status, _ = _request(url, "GET", "/health", body=None, timeout=1.0)
    except (http.client.HTTPException, OSError, EngineError):  # EngineError: no whole answer within the second
        return False
    return status == HTTPStatus.OK


def _error_text(status: int, raw: bytes) -> str:
    with contextlib.suppress(ValueError):
        body = orjson.loads(raw)
        if isinstance(body, dict) and "message" in body:
            return cut(f"HTTP {status}: {body.get('code', '')} {body['message']}", 300)
    return f"HTTP {status}: {raw[:300].decode('utf-8', 'replace')}"


def parse_answer(answer: Any, source: str) -> tuple[list[dict[str, Any]], set[str]]:
    """The violations and evaluated packages of an ad-hoc query answer, or an EngineError if malformed."""

    def garbage(why: str) -> EngineError:
        return EngineError(f"OPA at {source} answered an unexpected document ({why})")

    if not isinstance(answer, dict) or not isinstance(answer.get("result"), list) or len(answer["result"]) != 1:
        raise garbage("expected one result row")
    row = answer["result"][0]
    if (
        not isinstance(row, dict)
        or not isinstance(row.get("violations"), list)
        or not isinstance(row.get("policies"), list)
    ):
        raise garbage("expected `violations` and `policies` lists")
    violations = []
    for index, item in enumerate(row["violations"]):
        if not isinstance(item, dict) or any(not isinstance(item.get(key), str) for key in VIOLATION_KEYS):
            raise garbage(f"violation {index} lacks one of {', '.join(VIOLATION_KEYS)}")
        if item["enforcement"] not in ENFORCEMENTS or item["severity"] not in SEVERITIES:
            raise garbage(f"violation {index} has enforcement {item['enforcement']!r}, severity {item['severity']!r}")
        violations.append(item)
    if any(not isinstance(name, str) for name in row["policies"]):
        raise garbage("policy package names are not strings")
    return violations, set(row["policies"])


def parse_unexamined(answer: Any, source: str) -> dict[str, int] | None:
    """The resource types no policy examined (type -> count) of a well-formed answer (see parse_answer)."""
    counts = answer["result"][0].get("unexamined")
    if counts is None:
        return None
    if not isinstance(counts, dict) or any(
        not isinstance(t, str) or not isinstance(n, int) or isinstance(n, bool) or n < 1 for t, n in counts.items()
    ):
        raise EngineError(f"OPA at {source} answered an unexpected document (`unexamined` is not a map of counts)")
    return dict(sorted(counts.items()))
