"""How the gate talks to OPA: the whole plan as one query, every value OPA accepts, an answer within bounds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gate_helpers import fixture_plan, http_server

from inferfleet.errors import EngineError
from inferfleet.gate import OpaEngine, policy_input
from inferfleet.gate import engine as engine_module

DENIED_ANYWHERE = "workloads/denied_statefulset_on_host_network.json"


def _with_resource_count(plan_name: str) -> tuple[dict[str, object], int]:
    plan = fixture_plan(plan_name)
    return policy_input(plan), len(plan["resources"])


def test_a_whole_plan_is_decided_in_one_query(opa_engine: OpaEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    requests_sent = []
    send = engine_module._request

    def counting_request(*args: Any, **kwargs: Any) -> Any:
        requests_sent.append(args[1:3])
        return send(*args, **kwargs)

    document, resources = _with_resource_count(DENIED_ANYWHERE)
    monkeypatch.setattr(engine_module, "_request", counting_request)
    violations, policies = opa_engine.evaluate(document)
    assert resources > 1
    assert requests_sent == [("POST", "/v1/query")]
    assert "workloads" in policies
    assert any(v["policy_id"].startswith("IF-") for v in violations)


def test_an_integer_beyond_64_bits_still_reaches_opa(opa_engine: OpaEngine) -> None:
    document, _ = _with_resource_count(DENIED_ANYWHERE)
    resources = document["resources"]
    assert isinstance(resources, list)
    resources[0]["inputs"]["huge"] = 2**70  # orjson cannot write it; the gate falls back to the standard encoder
    violations, policies = opa_engine.evaluate(document)
    assert "workloads" in policies
    assert violations


def test_an_answer_above_the_bound_is_an_engine_error(opa_engine: OpaEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_ANSWER_BYTES", 64)
    document, _ = _with_resource_count(DENIED_ANYWHERE)
    with pytest.raises(EngineError, match="answered more than 64 bytes"):
        opa_engine.evaluate(document)


@pytest.mark.parametrize("huge", [10**30, 10**400])
def test_an_integer_beyond_64_bits_that_a_policy_echoes_comes_back_exact(opa_engine: OpaEngine, huge: int) -> None:
    """The open-ingress policy puts a rule's source in its violation's details: orjson read 10**30 back
    as a float and 10**400 not at all (an engine error, exit 3, for a plan the gate must decide)."""
    document, _ = _with_resource_count("open_ingress/denied_huawei_halves_cover_ipv4.json")
    resources = document["resources"]
    assert isinstance(resources, list)
    rule = next(r for r in resources if r["inputs"].get("remoteIpPrefix") == "0.0.0.0/1")
    rule["inputs"]["remoteIpPrefix"] = huge
    violations, _ = opa_engine.evaluate(document)
    echoed = [v["details"]["source"] for v in violations if v["urn"] == rule["urn"] and "source" in v["details"]]
    assert echoed
    assert all(source == huge and isinstance(source, int) for source in echoed)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(b'{"a": 1.5, "b": 12}', {"a": 1.5, "b": 12}), (b'{"a": 1234567890123456789012}', {"a": 1234567890123456789012})],
)
def test_an_answer_is_read_exactly(raw: bytes, expected: object) -> None:
    assert engine_module.read_answer(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a": 1e400, "b": "1234567890123456789"}', "beyond the range of a 64-bit float"),
        (b"{not json 1234567890123456789", "Expecting property name"),
    ],
)
def test_an_answer_that_is_not_json_within_range_is_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):  # the engine turns it into an EngineError (exit 3)
        engine_module.read_answer(raw)


MANDATORY = {
    "policy_id": "IF-NET-001",
    "severity": "critical",
    "enforcement": "mandatory",
    "urn": "urn:pulumi:s::p::t::n",
    "message": "exposed",
    "remediation": "close it",
}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        # A key twice: the first `violations` holds a mandatory violation, the second is empty.
        (
            b'{"result": [{"violations": ['
            + json.dumps(MANDATORY).encode()
            + b'], "policies": ["network_exposure"], "unexamined": {}, "violations": []}]}',
            "has the key 'violations' more than once",
        ),
        (b'{"result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    ],
)
def test_an_answer_a_reader_could_read_two_ways_is_never_a_pass(answer: bytes, reason: str) -> None:
    with http_server(200, answer) as url, pytest.raises(EngineError, match=reason):
        OpaEngine(url).decide({"resources": []})


def test_a_long_error_message_from_opa_is_cut() -> None:
    answer = json.dumps({"code": "internal_error", "message": "x" * 2_000_000}).encode()
    with http_server(500, answer) as url, pytest.raises(EngineError) as raised:
        OpaEngine(url).decide({"resources": []})
    assert len(str(raised.value)) < 1_000
    assert "more characters" in str(raised.value)
