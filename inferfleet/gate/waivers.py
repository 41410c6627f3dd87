"""Waivers: a named owner's time-boxed exception to one policy on matching resources.

A waivers file (YAML or JSON) holds `waivers:`, a list of {policy_id, urn (a glob), owner,
reason, expires (YYYY-MM-DD)}. A matching waiver that has not expired turns a violation into a
reported exception. A malformed waiver is an input error (exit 2), and so is one that expires more
than MAX_WAIVER_DAYS ahead: a waiver is time-boxed, and renewed by its owner when it runs out. An
expired one fails the gate as a mandatory finding of its own (IF-WAIVER-001), and waives nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from inferfleet.dates import iso_date
from inferfleet.errors import PolicyInputError, cut
from inferfleet.gate.policy_data import key_path
from inferfleet.reading import read_at_most
from inferfleet.spec.strict_yaml import MAX_FILE_BYTES, YamlInputError, parse_yaml

WAIVER_FIELDS = ("policy_id", "urn", "owner", "reason", "expires")
EXPIRED_WAIVER_ID = "IF-WAIVER-001"
MAX_WAIVER_DAYS = 90
"""How far ahead a waiver may expire: `expires: 9999-12-31` would waive a mandatory rule for good."""


@dataclass(frozen=True, kw_only=True)
class Waiver:
    policy_id: str
    urn: str
    owner: str
    reason: str
    expires: dt.date
    where: str
    """`<file>: waivers[i]`: where the waiver is written, for reports."""

    def matches(self, violation: Mapping[str, Any]) -> bool:
        return violation["policy_id"] == self.policy_id and fnmatchcase(violation["urn"], self.urn)

    def expired(self, today: dt.date) -> bool:
        return self.expires < today

    def as_dict(self) -> dict[str, str]:
        return {
            "policy_id": self.policy_id,
            "urn": self.urn,
            "owner": self.owner,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
            "where": self.where,
        }


def _expiry(value: Any, file: str, where: str) -> dt.date:
    day = iso_date(value)
    if day is None:
        raise PolicyInputError(file, where, f"expected a date YYYY-MM-DD, got {cut(repr(value))}")
    return day


def load_waivers(path: Path, known_ids: Iterable[str], *, today: dt.date) -> list[Waiver]:
    """The waivers of a file; any malformed entry is a PolicyInputError naming its key path."""
    file = str(path)
    try:
        # The stack files' strict reader: YAML 1.2 (JSON too), a repeated key refused, size and aliases bounded.
        document = parse_yaml(read_at_most(path, MAX_FILE_BYTES))
    except OSError as exc:
        raise PolicyInputError(file, "", f"cannot read the waivers file ({exc.strerror})") from exc
    except YamlInputError as exc:
        raise PolicyInputError(file, key_path(exc.path), str(exc)) from None
    if not isinstance(document, dict) or set(document) != {"waivers"} or not isinstance(document["waivers"], list):
        raise PolicyInputError(file, "waivers", "expected a top-level `waivers:` list (and nothing else)")
    known = set(known_ids)
    waivers = []
    for index, entry in enumerate(document["waivers"]):
        where = f"waivers[{index}]"
        if not isinstance(entry, dict):
            raise PolicyInputError(file, where, f"expected a mapping with {', '.join(WAIVER_FIELDS)}")
        unknown = sorted(set(entry) - set(WAIVER_FIELDS))
        if unknown:
            raise PolicyInputError(file, f"{where}.{unknown[0]}", f"unknown key (expected {', '.join(WAIVER_FIELDS)})")
        for key in ("policy_id", "urn", "owner", "reason"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                raise PolicyInputError(file, f"{where}.{key}", "expected a non-empty string")
        if entry["policy_id"] not in known:
            raise PolicyInputError(
                file,
                f"{where}.policy_id",
                f"{entry['policy_id']!r} is not a policy id (known: {', '.join(sorted(known))})",
            )
        if "expires" not in entry:
            raise PolicyInputError(file, f"{where}.expires", "missing: every waiver has an expiry date YYYY-MM-DD")
        expires = _expiry(entry["expires"], file, f"{where}.expires")
        latest = today + dt.timedelta(days=MAX_WAIVER_DAYS)
        if expires > latest:
            raise PolicyInputError(
                file,
                f"{where}.expires",
                f"{expires.isoformat()} is more than {MAX_WAIVER_DAYS} days ahead (at most {latest.isoformat()}): "
                "waivers are time-boxed; the owner renews one when it runs out",
            )
        waivers.append(
            Waiver(
                policy_id=entry["policy_id"],
                urn=entry["urn"],
                owner=entry["owner"],
                reason=entry["reason"].strip(),
                expires=expires,
                where=f"{file}: {where}",
            )
        )
    return waivers


def expired_finding(waiver: Waiver) -> dict[str, str]:
    """The mandatory finding an expired waiver raises."""
    return {
        "policy_id": EXPIRED_WAIVER_ID,
        "title": "Waiver expired",
        "severity": "high",
        "enforcement": "mandatory",
        "version": "1.0.0",
        "urn": waiver.urn,
        "message": (
            f"Waiver expired: the waiver of {waiver.policy_id} for {waiver.urn} (owner {waiver.owner}) "
            f"expired on {waiver.expires.isoformat()} ({waiver.where})"
        ),
        "remediation": "Fix the violation and delete the waiver, or have its owner renew it with a new expiry date.",
    }
