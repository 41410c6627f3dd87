"""Reading plans back: the canonical text is read fast, and nothing the strict reader refuses gets past it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferfleet.errors import PlanInputError
from inferfleet.jsontext import canonical_bytes, dumps
from inferfleet.plan import check_plan, finish
from inferfleet.plan.load import STRICT_JSON, load_plan, read_json

POLICIES = Path(__file__).resolve().parents[2] / "policies" / "opa"


def _reference_plan() -> dict[str, object]:
    path = POLICIES / "workloads" / "allowed_hardened_service.json"
    document: dict[str, object] = json.loads(path.read_text())
    return document


def test_the_writer_writes_what_the_standard_librarys_canonical_encoder_does() -> None:
    document = _reference_plan()
    assert (
        canonical_bytes(document)
        == (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    )
    # The one documented difference (exponents of small floats), and integers orjson cannot write.
    assert dumps({"weight": 1.5e-7}) == '{\n  "weight": 1.5e-7\n}\n'
    assert dumps({"huge": 2**70}) == '{\n  "huge": 1180591620717411303424\n}\n'


def test_a_plan_in_canonical_text_reads_as_the_strict_reader_reads_it(tmp_path: Path) -> None:
    document = _reference_plan()
    path = tmp_path / "plan.json"
    path.write_text(dumps(document))
    assert read_json(str(path), max_bytes=10**8) == STRICT_JSON.decode(path.read_text()) == document


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # Laid out exactly as the writer lays out a key, but written twice: the fast path must not keep the last.
        (
            lambda text: text.replace('  "format": ', '  "format": "x",\n  "format": ', 1),
            "the key 'format' more than once",
        ),
        (lambda text: text.replace('"format": "', '"format": 1e999, "x": "', 1), "1e999 is beyond the range"),
        # More digits than Python reads into an integer: was an internal error (exit 3).
        (lambda text: text.replace('"format": "', f'"format": {"9" * 5000}, "x": "', 1), r"has more digits \(5000\)"),
    ],
)
def test_a_canonical_looking_plan_with_a_repeated_key_is_refused(tmp_path: Path, edit: object, expected: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(edit(dumps(_reference_plan())))  # type: ignore[operator]
    with pytest.raises(PlanInputError, match=expected):
        read_json(str(path), max_bytes=10**8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.binary(max_size=4), st.integers(min_value=0, max_value=3)),
        min_size=1,
        max_size=4,
    )
)
def test_a_damaged_plan_is_read_or_refused_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, edits: list[Any]
) -> None:
    """Bytes replaced, inserted or cut anywhere in a real plan: the reader returns a checked plan or
    refuses it with a PlanInputError (exit 2), and agrees with the strict reader about what it read."""
    raw = bytearray(dumps(_reference_plan()).encode())
    for position, data, cut in edits:
        at = position % (len(raw) + 1)
        raw[at : at + cut] = data
    path = tmp_path_factory.mktemp("damaged") / "plan.json"
    path.write_bytes(bytes(raw))
    try:
        plan = load_plan(str(path), max_bytes=10**8, stacks_dir=path.parent)
    except PlanInputError:
        return
    assert plan == check_plan(STRICT_JSON.decode(bytes(raw).decode("utf-8")), str(path))


@pytest.mark.parametrize("raw", [b"", b" \n\t\r\x0b\x0c"])
def test_an_empty_plan_is_refused_by_name(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(raw)
    with pytest.raises(PlanInputError, match="is empty; expected a plan document"):
        read_json(str(path), max_bytes=10**8)


_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["", "urn:pulumi:s::p::t::n", "create", "urn:other"]),
    st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_RESOURCE_KEYS = [*finish._RESOURCE, "old_inputs", "replace_reasons"]


@settings(max_examples=2000, deadline=None)
@given(
    resource=st.one_of(
        st.fixed_dictionaries({}, optional=dict.fromkeys(_RESOURCE_KEYS, _JSON_VALUES)),
        # Mostly valid, one key changed: the cases where a looser fast check would let a problem through.
        st.tuples(st.sampled_from(_RESOURCE_KEYS), _JSON_VALUES).map(
            lambda change: {**_reference_plan()["resources"][0], change[0]: change[1]}  # type: ignore[index]
        ),
        _JSON_VALUES,
    )
)
def test_the_fast_resource_check_agrees_with_the_checks_that_name_a_problem(resource: Any) -> None:
    try:
        finish._check_resource(resource, "resources[0]", "plan.json")
    except PlanInputError:
        passes = False
    else:
        passes = True
    assert finish._well_formed(resource) == passes


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("modules", {"inferfleet-vpc": ["1.0.0"]}, "modules.inferfleet-vpc"),
        ("module_sources", "junk", "module_sources"),
        ("module_sources", {"inferfleet-vpc": "elsewhere"}, "module_sources"),
        ("deprecations", 5, "deprecations"),
        ("deprecations", ["junk"], "deprecations[0]"),
        ("deprecations", [{"module": "inferfleet-vpc"}], "deprecations[0]"),
    ],
)
def test_module_fields_the_modules_commands_read_are_checked(field: str, value: Any, where: str) -> None:
    """`modules check` and `used-by` read them: a wrong type there was an internal error (exit 3)."""
    document = {**_reference_plan(), field: value}
    with pytest.raises(PlanInputError) as raised:
        check_plan(document, "plan.json")
    assert raised.value.key_path == where
