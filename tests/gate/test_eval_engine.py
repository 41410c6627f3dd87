"""The one-shot OPA engine the gate runs by default: the same decisions as OPA's own `opa eval` and
an OPA server, and every way its process can fail is an EngineError that leaves nothing running."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from gate_helpers import fixture_plan
from processes import running

from inferfleet.errors import EngineError
from inferfleet.gate import OpaEngine, OpaEvalEngine, find_opa, policy_input
from inferfleet.gate import engine as engine_module

pytestmark = pytest.mark.slow

DENIED = [
    "workloads/denied_job_privileged_init_container.json",
    "workloads/denied_namespace_not_restricted_aws.json",
    "open_ingress/denied_alicloud_rdp_from_0_0_0_0_00.json",
]


@pytest.fixture(scope="module")
def stock_opa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's OPA under another path: the engine runs it as any OPA, `opa eval --stdin-input`."""
    copy = tmp_path_factory.mktemp("stock") / "opa"
    shutil.copy2(find_opa(), copy)
    return copy


@pytest.mark.parametrize("name", DENIED)
def test_the_project_build_stock_opa_eval_and_a_server_decide_alike(name: str, stock_opa: Path) -> None:
    plan = policy_input(fixture_plan(name))
    with (
        OpaEvalEngine.start() as ours,
        OpaEvalEngine.start(binary=str(stock_opa)) as stock,
        OpaEngine.start() as server,
    ):
        assert ours.command()[1] == "inferfleet-eval"
        assert stock.command()[1:3] == ["eval", "--stdin-input"]
        decision = ours.decide(plan)
        assert decision.violations, f"{name} is a denied fixture: its violations are the point of the comparison"
        assert decision == stock.decide(plan) == server.decide(plan)


def test_one_engine_decides_several_plans_one_process_each() -> None:
    plans = [policy_input(fixture_plan(name)) for name in DENIED]
    with OpaEvalEngine.start() as engine:
        decisions = [engine.decide(plan) for plan in plans]
        assert engine.process is None
    for plan, decision in zip(plans, decisions, strict=True):
        with OpaEvalEngine.start() as fresh:
            assert decision == fresh.decide(plan)
    assert len({frozenset(v["policy_id"] for v in d.violations) for d in decisions}) == len(DENIED)


def fake_opa(tmp_path: Path, script: str) -> Path:
    """An executable standing in for OPA: reads its input, then runs `script` (sh)."""
    fake = tmp_path / "fake-opa"
    fake.write_text(f"#!/bin/sh\ncat > /dev/null\n{script}\n")
    fake.chmod(0o755)
    return fake


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("echo '<html>hello</html>'", "answered something that is not JSON"),
        ("echo '{}'", "expected one result row"),  # what `opa eval` prints for an undefined query
        ('echo \'{"result": [{"bindings": {"violations": [], "policies": "all"}}]}\'', "expected `violations`"),
        ('echo \'{"result": [{"bindings": {}, "expressions": []}, {"bindings": {}}]}\'', "one result row"),
        (
            'echo \'{"result": [{"bindings": {"violations": [], "violations": [1], "policies": []}}]}\'',
            "not JSON",  # a key written twice: refused, never the last one taken
        ),
        ("echo 'compile error: bad.rego:3' >&2; exit 1", "OPA exited with status 1: compile error: bad.rego:3"),
        ("exit 0", "not JSON"),
    ],
)
def test_what_a_broken_opa_answers_is_an_engine_error(tmp_path: Path, script: str, expected: str) -> None:
    with OpaEvalEngine.start(binary=str(fake_opa(tmp_path, script))) as engine, pytest.raises(EngineError) as raised:
        engine.decide(policy_input(fixture_plan("workloads/allowed_hardened_service.json")))
    assert expected in str(raised.value)


def test_an_answer_above_the_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_ANSWER_BYTES", 1000)
    fake = fake_opa(tmp_path, "head -c 5000 /dev/zero | tr '\\0' ' '; echo '{}'")
    with OpaEvalEngine.start(binary=str(fake)) as engine, pytest.raises(EngineError, match="more than 1000 bytes"):
        engine.decide(policy_input(fixture_plan("workloads/allowed_hardened_service.json")))


def test_an_opa_that_never_finishes_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    """INFERFLEET_OPA may name a wrapper script: what it started goes with it."""
    child_pid = tmp_path / "child.pid"
    fake = fake_opa(tmp_path, f"sleep 300 &\necho $! > {child_pid}\nexec sleep 300")
    started = time.monotonic()
    with OpaEvalEngine.start(binary=str(fake), timeout=1) as engine:
        with pytest.raises(EngineError, match=r"did not finish within 1 s"):
            engine.decide(policy_input(fixture_plan("workloads/allowed_hardened_service.json")))
        assert engine.process is None
    assert time.monotonic() - started < 10
    assert not running(int(child_pid.read_text()))


def test_opa_killed_while_deciding_is_an_engine_error() -> None:
    plan = fixture_plan("workloads/allowed_hardened_service.json")
    template = next(r for r in plan["resources"] if r["type"] == "kubernetes:apps/v1:Deployment")
    # Enough work that OPA is still deciding when it is killed (seconds, where the kill comes at 0.5 s).
    plan["resources"] += [{**template, "urn": f"{template['urn']}-{i}"} for i in range(40000)]
    engine = OpaEvalEngine.start(timeout=60)
    assert engine.process is not None
    pid = engine.process.pid
    outcome: list[BaseException] = []

    def decide() -> None:
        try:
            engine.decide(policy_input(plan))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=decide)
    worker.start()
    threading.Event().wait(0.5)
    os.kill(pid, signal.SIGKILL)
    worker.join(30)
    engine.close()
    assert len(outcome) == 1
    assert isinstance(outcome[0], EngineError)
    assert f"OPA exited with status -{signal.SIGKILL}" in str(outcome[0])


def test_a_process_never_asked_is_stopped_on_close() -> None:
    engine = OpaEvalEngine.start()
    assert engine.process is not None
    pid = engine.process.pid
    engine.close()
    assert not running(pid)


def test_opa_that_cannot_be_found_is_said_at_the_decision(tmp_path: Path) -> None:
    engine = OpaEvalEngine.start(binary=str(tmp_path / "no-opa"))
    assert engine.process is None
    with pytest.raises(EngineError, match=r"no-opa.*missing or not executable"):
        engine.decide(policy_input(fixture_plan("workloads/allowed_hardened_service.json")))
