"""How the gate talks to OPA: the whole plan as one query, every value OPA accepts, an answer within bounds."""

from __future__ import annotations

from typing import Any

import pytest
from gate_helpers import fixture_plan

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
