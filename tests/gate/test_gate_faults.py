"""The gate fails closed: every way OPA or the input can fail is exit 3 or 2, never 0."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import FIXTURES, fixture_plan, held_port, http_server, run_gate, write_json
from processes import running

from inferfleet.errors import EngineError
from inferfleet.gate import DEFAULT_POLICIES, OpaEngine, OpaEvalEngine, OpaServer, find_opa
from inferfleet.gate import engine as engine_module

ALLOWED = str(FIXTURES / "workloads" / "allowed_hardened_service.json")
pytestmark = pytest.mark.slow


def test_missing_opa_binary_is_an_engine_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_gate(capsys, ALLOWED, "--opa-bin", str(tmp_path / "no-opa"))
    assert code == 3
    assert "no-opa" in err
    assert "missing or not executable" in err


def test_opa_that_cannot_start_is_an_engine_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "policies"
    (broken / "bad").mkdir(parents=True)
    metadata = (
        "# METADATA\n# title: T\n# description: D\n# custom:\n#   id: IF-BAD-001\n#   severity: low\n"
        "#   enforcement: advisory\n#   remediation: R\n#   version: 1.0.0\n"
    )
    (broken / "bad" / "bad.rego").write_text(f"package bad\n\n{metadata}deny contains v if {{\n")
    code, _, err = run_gate(capsys, ALLOWED, "--policies", str(broken))
    assert code == 3
    assert "OPA exited with status" in err
    assert "bad.rego" in err


def test_a_binary_that_is_not_opa_is_an_engine_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fake = tmp_path / "opa"
    fake.write_text("#!/bin/sh\necho 'not opa' >&2\nexit 7\n")
    fake.chmod(0o755)
    code, _, err = run_gate(capsys, ALLOWED, "--opa-bin", str(fake))
    assert code == 3
    assert "exited with status 7" in err


def test_a_bad_plan_is_an_input_error_even_when_opa_cannot_start(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """OPA is launched before the plan is read; what it could not do is said only at the query, so a
    bad input is still exit 2 (and names the file), not an engine error."""
    bad = tmp_path / "plan.json"
    bad.write_text('{"format": "inferfleet.plan/v1", "resources": [')
    code, _, err = run_gate(capsys, str(bad), "--opa-bin", str(tmp_path / "no-opa"))
    assert code == 2
    assert f"{bad}: " in err
    assert "no-opa" not in err


def test_opa_launched_before_a_bad_plan_does_not_outlive_the_gate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policies = tmp_path / "policies-of-this-test"  # its path marks this test's OPA among others
    shutil.copytree(DEFAULT_POLICIES, policies)
    bad = tmp_path / "plan.json"
    bad.write_text("[]")
    code, _, _ = run_gate(capsys, str(bad), "--policies", str(policies))
    assert code == 2
    assert _pids_with_argument(str(policies)) == []


def _pids_with_argument(argument: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:  # the process ended meanwhile
                continue
            if argument.encode() in arguments:
                pids.append(int(entry.name))
    return pids


def test_a_free_port_taken_before_opa_binds_it_moves_to_another(monkeypatch: pytest.MonkeyPatch) -> None:
    free_port = engine_module.free_loopback_port
    with held_port() as taken:
        ports = iter([taken])  # the first port picked is taken by the time OPA binds it
        monkeypatch.setattr(engine_module, "free_loopback_port", lambda: next(ports, 0) or free_port())
        with OpaEngine.start(DEFAULT_POLICIES) as engine:
            assert engine.server is not None
            assert engine.server.port != taken
            assert engine.url == f"http://127.0.0.1:{engine.server.port}"


def test_port_taken_is_an_engine_error() -> None:
    with held_port() as port:
        server = OpaServer(FIXTURES, binary=find_opa(), port=port, startup_timeout=10)
        with pytest.raises(EngineError, match="address already in use"):
            server.start()
        assert server.process is None


def test_opa_killed_mid_run_is_an_engine_error() -> None:
    engine = OpaEngine.start()
    try:
        assert engine.server is not None
        assert engine.server.process is not None
        os.kill(engine.server.process.pid, signal.SIGKILL)
        engine.server.process.wait(5)
        with pytest.raises(EngineError, match="exited with status"):
            engine.evaluate(fixture_plan("workloads/allowed_hardened_service.json"))
    finally:
        engine.close()


def test_opa_killed_before_the_query_fails_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    engine = OpaEngine.start()
    url = engine.url
    engine.close()
    code, _, err = run_gate(capsys, ALLOWED, "--opa-url", url)
    assert code == 3
    assert f"lost OPA at {url}" in err


def test_opa_that_never_answers_times_out(capsys: pytest.CaptureFixture[str]) -> None:
    with http_server(200, b"{}", delay=threading.Event()) as url:
        code, _, err = run_gate(capsys, ALLOWED, "--opa-url", url, "--timeout", "0.5")
    assert code == 3
    assert "did not finish within 0.5 s" in err


def test_opa_that_answers_a_byte_at_a_time_times_out(capsys: pytest.CaptureFixture[str]) -> None:
    """Each read returns within the timeout; the answer as a whole does not."""
    started = time.monotonic()
    with http_server(200, b" " * 600 + b"{}", drip=0.05) as url:
        code, _, err = run_gate(capsys, ALLOWED, "--opa-url", url, "--timeout", "1")
    assert code == 3
    assert "did not finish within 1 s" in err
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("timeout", ["inf", "1e999", "nan", "0", "86401"])
def test_a_timeout_no_clock_can_wait_for_is_a_usage_error(capsys: pytest.CaptureFixture[str], timeout: str) -> None:
    code, _, err = run_gate(capsys, ALLOWED, "--timeout", timeout)
    assert code == 2
    assert "--timeout" in err


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b"<html>hello</html>", "not JSON"),
        (200, b'{"result": "yes"}', "expected one result row"),
        (200, b'{"result": [{"violations": [{"policy_id": "X"}], "policies": []}]}', "lacks one of"),
        (
            200,
            json.dumps(
                {
                    "result": [
                        {
                            "violations": [
                                {
                                    "policy_id": "X",
                                    "severity": "high",
                                    "enforcement": "sometimes",
                                    "urn": "u",
                                    "message": "m",
                                    "remediation": "r",
                                }
                            ],
                            "policies": [],
                        }
                    ]
                }
            ).encode(),
            "enforcement 'sometimes'",
        ),
        (500, b'{"code": "internal_error", "message": "boom"}', "HTTP 500: internal_error boom"),
    ],
)
def test_garbage_answers_are_engine_errors(
    capsys: pytest.CaptureFixture[str], status: int, body: bytes, expected: str
) -> None:
    with http_server(status, body) as url:
        code, _, err = run_gate(capsys, ALLOWED, "--opa-url", url)
    assert code == 3
    assert expected in err


def test_a_server_without_our_policies_is_an_engine_error(capsys: pytest.CaptureFixture[str]) -> None:
    answer = {"result": [{"violations": [], "policies": ["required_tags"]}]}
    with http_server(200, json.dumps(answer).encode()) as url:
        code, _, err = run_gate(capsys, ALLOWED, "--opa-url", url)
    assert code == 3
    assert "did not evaluate policy package(s) accelerators" in err


def test_malformed_plan_names_file_and_position(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"format": "inferfleet.plan/v1",\n "resources": [,]}')
    code, _, err = run_gate(capsys, str(bad))
    assert code == 2
    assert f"{bad}: line 2 column" in err


def test_truncated_plan_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (FIXTURES / "workloads" / "allowed_hardened_service.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    code, _, err = run_gate(capsys, str(cut))
    assert code == 2
    assert "looks truncated" in err


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # A key written twice in one object: the gate must not silently pick one of two values.
        (lambda text: text.replace('"inputs": {', '"inputs": {"zone": "a", "zone": "b", ', 1), "the key 'zone' more"),
        (lambda text: text.replace('"format"', '"format": "x", "format"', 1), "the key 'format' more than once"),
        (lambda text: text.replace('"inputs": {', '"inputs": {"weight": NaN, ', 1), "NaN is not a JSON number"),
        (lambda text: text.replace('"inputs": {', '"inputs": {"weight": 1e999, ', 1), "1e999 is beyond the range"),
        (lambda text: text.replace('"inputs": {', '"inputs": {"name": "\\udc00", ', 1), "lone UTF-16 surrogate"),
    ],
)
def test_plan_that_is_not_strict_json_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, edit: Callable[[str], str], expected: str
) -> None:
    text = (FIXTURES / "workloads" / "allowed_hardened_service.json").read_text()
    assert '"inputs": {' in text
    crafted = tmp_path / "crafted.json"
    crafted.write_text(edit(text))
    code, _, err = run_gate(capsys, str(crafted))
    assert code == 2
    assert f"{crafted}: " in err
    assert expected in err


def test_plan_that_is_not_utf8_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    crafted = tmp_path / "latin1.json"
    crafted.write_bytes((FIXTURES / "workloads" / "allowed_hardened_service.json").read_bytes() + b"\xe9")
    code, _, err = run_gate(capsys, str(crafted))
    assert code == 2
    assert "is not UTF-8 text" in err


@pytest.mark.parametrize("flag", ["plan", "--waivers"])
def test_a_file_that_never_ends_is_refused_at_its_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str
) -> None:
    """A symlink to /dev/zero (a pull request can commit one) reports 0 bytes and never ends."""
    endless = tmp_path / "endless.json"
    endless.symlink_to("/dev/zero")
    args = [str(endless), "--max-plan-bytes", "1000"] if flag == "plan" else [ALLOWED, flag, str(endless)]
    code, _, err = run_gate(capsys, *args)
    assert code == 2
    assert f"{endless}: " in err
    assert "more than 1000 bytes" in err or "above the limit" in err


def test_plan_above_the_limit_is_refused_before_reading(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_gate(capsys, ALLOWED, "--max-plan-bytes", "100")
    assert code == 2
    assert "above the limit of 100 (--max-plan-bytes)" in err


def test_plan_on_stdin_above_the_limit_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"{" + b" " * 500 + b"}")))
    code, _, err = run_gate(capsys, "-", "--max-plan-bytes", "100")
    assert code == 2
    assert "<stdin>: is more than 100 bytes" in err


@pytest.mark.parametrize(
    ("change", "key", "expectation"),
    [
        (lambda d: d.pop("env"), "env", "expected a string (missing)"),
        (lambda d: d["resources"][1].update(inputs=[]), "resources[1].inputs", "expected an object"),
        (lambda d: d["resources"][0].update(urn="vpc"), "resources[0].urn", "expected a Pulumi URN"),
        (lambda d: d.update(format="terraform.plan/v4"), "format", "expected 'inferfleet.plan/v1'"),
        (lambda d: d["resources"].append(dict(d["resources"][0])), "resources[4].urn", "appears more than once"),
    ],
)
def test_plan_that_breaks_the_format_names_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: object, key: str, expectation: str
) -> None:
    document = fixture_plan("workloads/allowed_hardened_service.json")
    change(document)  # type: ignore[operator]
    path = write_json(tmp_path / "plan.json", document)
    code, _, err = run_gate(capsys, str(path))
    assert code == 2
    assert f"{path}: {key}: {expectation}" in err


def test_missing_plan_and_unknown_documents_are_input_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_gate(capsys, str(tmp_path / "nope.json"))
    assert code == 2
    assert "cannot read the plan" in err
    other = write_json(tmp_path / "other.json", {"resource_changes": []})
    code, _, err = run_gate(capsys, str(other))
    assert code == 2
    assert "neither an inferfleet plan" in err


def test_plan_and_stack_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_gate(capsys, ALLOWED, "-s", "prod-cn-south")
    assert code == 2
    assert "exactly one of" in err


def test_opa_killed_while_deciding_is_an_engine_error() -> None:
    plan = fixture_plan("workloads/allowed_hardened_service.json")
    template = next(r for r in plan["resources"] if r["type"] == "kubernetes:apps/v1:Deployment")
    # Enough work that OPA is still deciding when it is killed (seconds, where the kill comes at 0.3 s).
    plan["resources"] += [{**template, "urn": f"{template['urn']}-{i}"} for i in range(40000)]
    engine = OpaEngine.start(timeout=60)
    outcome: list[BaseException] = []

    def decide() -> None:
        try:
            engine.evaluate(plan)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=decide)
    try:
        worker.start()
        threading.Event().wait(0.3)
        assert engine.server is not None
        assert engine.server.process is not None
        os.kill(engine.server.process.pid, signal.SIGKILL)
        worker.join(30)
    finally:
        engine.close()
    assert len(outcome) == 1
    assert isinstance(outcome[0], EngineError)
    assert "lost OPA" in str(outcome[0])


def test_opa_starts_from_a_process_busy_in_many_threads() -> None:
    """The CrossGuard pack starts OPA from a gRPC worker thread while other threads run: the child must
    run no Python between fork and exec (a preexec_fn there crashed it with SIGSEGV under load)."""
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            json.loads(json.dumps([{"k": "v" * 64}] * 256))

    churners = [threading.Thread(target=churn) for _ in range(4)]
    failures: list[BaseException] = []

    def start_and_query() -> None:
        try:
            with OpaEvalEngine.start() as engine:
                engine.evaluate(fixture_plan("workloads/allowed_hardened_service.json"))
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    for thread in churners:
        thread.start()
    try:
        for _ in range(3):
            starters = [threading.Thread(target=start_and_query) for _ in range(4)]
            for thread in starters:
                thread.start()
            for thread in starters:
                thread.join(timeout=120)
    finally:
        stop.set()
        for thread in churners:
            thread.join()
    assert failures == []


def test_what_an_opa_wrapper_started_is_stopped_with_it(tmp_path: Path) -> None:
    """INFERFLEET_OPA may name a wrapper script: its children outlived a failed start."""
    child_pid = tmp_path / "child.pid"
    wrapper = tmp_path / "opa-wrapper"
    wrapper.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {child_pid}\nexec sleep 300\n")
    wrapper.chmod(0o755)
    server = OpaServer(DEFAULT_POLICIES, binary=wrapper, startup_timeout=1)
    with pytest.raises(EngineError):
        server.start()  # never healthy: stopped after the startup timeout
    pid = int(child_pid.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and running(pid):
        time.sleep(0.05)
    assert not running(pid)
