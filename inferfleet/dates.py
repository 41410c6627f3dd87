"""Dates written by people (waiver expiries, price-table fetch dates): exactly YYYY-MM-DD."""

from __future__ import annotations

import re
from datetime import date

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: object) -> date | None:
    """`value` as a calendar date when it is a string YYYY-MM-DD naming a real day, else None.

    `date.fromisoformat` alone also takes week dates (`2026-W01-1`) and basic forms (`20260101`).
    """
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # 2026-02-30
        return None
