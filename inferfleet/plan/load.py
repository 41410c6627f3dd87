"""Read a plan from a file: an inferfleet plan or a `pulumi preview --json`, as one plan model.

A plan is read with a size limit, parsed, checked against docs/plan.schema.json (a preview is
first normalised by inferfleet.plan.preview), and optionally matched with a base plan, whose
inputs become each resource's `old_inputs`. Every problem is a PlanInputError naming the file,
the key path and what was expected.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from inferfleet.errors import PlanInputError, cut
from inferfleet.jsontext import CANONICAL_OPTIONS
from inferfleet.plan.collector import collector_paused
from inferfleet.plan.credentials import SIGNATURE_KEY, mask_signed_secrets
from inferfleet.plan.finish import check_plan
from inferfleet.plan.model import PLAN_FORMAT, Plan
from inferfleet.plan.preview import from_preview, is_preview
from inferfleet.reading import read_at_most

DEFAULT_MAX_PLAN_BYTES = 256 * 1024 * 1024


def read_json(source: str, *, max_bytes: int, stdin: Any = None) -> Any:
    """Parse a JSON file (`-` is stdin) no larger than max_bytes; errors name the file and where."""
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(max_bytes + 1)
        label = "<stdin>"
    else:
        path = Path(source)
        label = source
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise PlanInputError(label, "", f"cannot read the plan ({exc.strerror})") from exc
        if size > max_bytes:
            raise PlanInputError(label, "", f"is {size} bytes, above the limit of {max_bytes} (--max-plan-bytes)")
        try:
            raw = read_at_most(path, max_bytes)
        except OSError as exc:
            raise PlanInputError(label, "", f"cannot read the plan ({exc.strerror})") from exc
    if len(raw) > max_bytes:
        raise PlanInputError(label, "", f"is more than {max_bytes} bytes, the limit (--max-plan-bytes)")
    if not raw or raw.isspace():  # not `raw.strip()`: that copies a plan of hundreds of MB to learn this
        raise PlanInputError(label, "", "is empty; expected a plan document or `pulumi preview --json` output")
    written = _as_written_by_us(raw)
    if written is not None:
        # The canonical text writes every key as it is (no escapes): no signature key, no signed secret.
        return mask_signed_secrets(written) if SIGNATURE_KEY.encode() in raw else written
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanInputError(label, f"byte {exc.start}", "is not UTF-8 text; expected JSON") from None
    try:
        with collector_paused():  # a parsed plan is a tree: nothing for the collector to find
            document = STRICT_JSON.decode(text)
    except json.JSONDecodeError as exc:
        ends_early = exc.pos >= len(text.rstrip())
        truncated = " (the document ends early: it looks truncated)" if ends_early else ""
        raise PlanInputError(
            label, f"line {exc.lineno} column {exc.colno}", f"is not valid JSON: {exc.msg}{truncated}"
        ) from None
    except _NotStrictJsonError as exc:
        raise PlanInputError(label, "", f"is not valid JSON: {exc}") from None
    except RecursionError:
        raise PlanInputError(label, "", f"is nested more than {MAX_PLAN_DEPTH} levels deep") from None
    _check_depth(document, label)
    return mask_signed_secrets(document)


_CANONICAL_START = b'{\n  "'
"""How the canonical text of a plan (an object with keys) begins."""


def _as_written_by_us(raw: bytes) -> Any | None:
    """The document of a file in the canonical text inferfleet writes (inferfleet.jsontext), else None.

    orjson reads three times faster than the strict reader below but keeps the last of two equal
    keys silently. A text that orjson's document writes back byte for byte was the canonical text of
    that document, which has unique keys: no key can have been written twice, and orjson has already
    refused NaN, infinities, lone surrogates and text that is not UTF-8. Anything else (a preview, a
    plan edited by hand) is read by the strict reader, which finds and names the problem.
    """
    if not raw.startswith(_CANONICAL_START):  # a preview (Pulumi indents by 4) is not parsed twice
        return None
    try:
        with collector_paused():  # a parsed plan is a tree: nothing for the collector to find
            document = orjson.loads(raw)
        # orjson's writer only: the standard library's fallback writes integers orjson read as floats.
        rewritten = orjson.dumps(document, option=CANONICAL_OPTIONS)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    return document if rewritten == raw else None


class _NotStrictJsonError(ValueError):
    """JSON the strict reader refuses: a key written twice in one object, NaN, infinities."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise _NotStrictJsonError(f"an object has the key {cut(repr(repeated[0]))} more than once")
    return document


def _not_json(value: str) -> Any:
    raise _NotStrictJsonError(f"{value} is not a JSON number")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than Python reads into an integer (4,300 unless configured otherwise)
        raise _NotStrictJsonError(f"{cut(text)} has more digits ({len(text)}) than an integer can have here") from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotStrictJsonError(f"{cut(text)} is beyond the range of a 64-bit float (a JSON number's range here)")
    return value


STRICT_JSON = json.JSONDecoder(
    object_pairs_hook=_unique_keys, parse_constant=_not_json, parse_float=_finite, parse_int=_integer
)
"""The standard library's reader, strict: a key written twice in one object is refused (orjson, twice as
fast, keeps the last one silently, so a crafted plan could show a reviewer one value and the gate
another), and so are NaN, infinities and integers too long for Python to read. Lone surrogates are
refused by the depth probe below."""


MAX_PLAN_DEPTH = 255
"""Deepest nesting of a plan (a real plan needs about 12): orjson writes at most this many levels,
and everything that walks a plan recursively (the schema check, the policy query) stays in bounds."""


def _check_depth(document: Any, label: str) -> None:
    # orjson's writer is the cheapest exact depth probe (C, about a quarter of the parse time). It
    # also refuses a string with a lone surrogate (`"\ud800"`: no Unicode text, and no UTF-8 for OPA);
    # its only other refusal, an integer beyond 64 bits, is legal in a plan.
    try:
        orjson.dumps(document)
    except orjson.JSONEncodeError as exc:
        reason = str(exc).lower()
        if "recursion" in reason:
            raise PlanInputError(label, "", f"is nested more than {MAX_PLAN_DEPTH} levels deep") from None
        if "surrogate" in reason:
            raise PlanInputError(label, "", "is not valid JSON: a string holds a lone UTF-16 surrogate") from None


def load_plan(
    source: str, *, max_bytes: int, stacks_dir: Path, stdin: Any = None, fleet: Mapping[str, str] | None = None
) -> Plan:
    """A plan document from a plan file or a `pulumi preview --json` file (`-`: stdin).

    `fleet` holds settings given on the command line (env, cloud, region): they stand in for a preview
    that carries none, and must agree with any the plan or preview carries (they override nothing)."""
    document = read_json(source, max_bytes=max_bytes, stdin=stdin)
    return plan_from_json(document, "<stdin>" if source == "-" else source, stacks_dir=stacks_dir, fleet=fleet)


def plan_from_json(document: Any, label: str, *, stacks_dir: Path, fleet: Mapping[str, str] | None = None) -> Plan:
    """A parsed plan document or `pulumi preview --json` output as a checked plan."""
    if is_preview(document):
        return _agreeing(from_preview(document, label, stacks_dir=stacks_dir, fleet=fleet), fleet, label)
    if isinstance(document, dict) and "format" not in document:
        raise PlanInputError(
            label,
            "format",
            f"neither an inferfleet plan (format {PLAN_FORMAT}) nor `pulumi preview --json` output (steps)",
        )
    return _agreeing(check_plan(document, label), fleet, label)


def _agreeing(plan: Plan, given: Mapping[str, str] | None, label: str) -> Plan:
    settings: Mapping[str, object] = plan
    for key, value in (given or {}).items():
        if settings[key] != value:
            found = settings[key]
            raise PlanInputError(
                label, key, f"is {found!r}, but --{key} says {value!r}; flags never override a plan's settings"
            )
    return plan


def with_base(head: Plan, base: Plan, base_label: str) -> Plan:
    """The head plan with each resource's `old_inputs` taken from the base plan (matched by URN)."""
    if base["stack"] != head["stack"]:
        raise PlanInputError(
            base_label, "stack", f"is the plan of stack {base['stack']!r}, not {head['stack']!r} (--base)"
        )
    before = {r["urn"]: r["inputs"] for r in base["resources"]}
    for resource in head["resources"]:
        if resource.get("old_inputs") is None and resource["urn"] in before:
            resource["old_inputs"] = before[resource["urn"]]
    return head
