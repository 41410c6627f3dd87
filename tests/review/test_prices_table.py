"""The price table is read strictly: a bad row is an error naming the file, the row and the column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from inferfleet.cli.app import main
from inferfleet.review.prices import (
    COLUMNS,
    MAX_BYTES,
    PRICES_FILE,
    PriceTableError,
    dumps_table,
    load_prices,
    parse_table,
    write_table,
)

TODAY = date(2026, 12, 2)
HEADER = ",".join(COLUMNS)
GOOD = "huaweicloud,cn-south-1,flavor,ai1s.large.4,on-demand,3.5,CNY,hour,catalog,2026-10-01,true"


def _with(column: str, value: str) -> str:
    cells = GOOD.split(",")
    cells[COLUMNS.index(column)] = value
    return ",".join(cells)


@pytest.mark.parametrize(
    ("row", "where"),
    [
        (_with("price", "-1"), "row 3.price"),
        (_with("price", "1e3"), "row 3.price"),
        (_with("price", "NaN"), "row 3.price"),
        (_with("price", "0.1234567"), "row 3.price"),
        (_with("price", "99999999"), "row 3.price"),
        (_with("currency", "EUR"), "row 3.currency"),
        (_with("cloud", "gcp"), "row 3.cloud"),
        (_with("kind", "disk"), "row 3.kind"),
        (_with("billing", "reserved"), "row 3.billing"),
        (_with("unit", "month"), "row 3.unit"),
        (_with("region", "CN SOUTH"), "row 3.region"),
        (_with("item", "flavor;rm -rf /"), "row 3.item"),
        (_with("source", "=HYPERLINK(1)"), "row 3.source"),
        (_with("fetched", "2026-13-01"), "row 3.fetched"),
        (_with("fetched", "2099-01-01"), "row 3.fetched"),
        (_with("fetched", "2026-W01-1"), "row 3.fetched"),  # an ISO week date: fromisoformat takes it
        (_with("fetched", "20260101"), "row 3.fetched"),
        (_with("estimate", "yes"), "row 3.estimate"),
        (GOOD + ",extra", "row 3"),
        (GOOD.replace(",true", ""), "row 3"),
        (GOOD, "row 3"),  # a duplicate of row 2
    ],
)
def test_a_bad_row_names_file_row_and_column(row: str, where: str) -> None:
    text = f"{HEADER}\n{GOOD}\n{row}\n"
    with pytest.raises(PriceTableError) as raised:
        parse_table(text, "prices.csv", today=TODAY)
    assert raised.value.file == "prices.csv"
    assert raised.value.key_path == where
    assert raised.value.exit_code == 2


def test_the_header_must_be_exactly_the_columns() -> None:
    with pytest.raises(PriceTableError, match=r"row 1: expected the header cloud,region,kind"):
        parse_table("cloud,region,flavor,price\n", "prices.csv", today=TODAY)


def test_a_duplicate_names_the_first_row() -> None:
    with pytest.raises(PriceTableError, match="duplicate of row 2"):
        parse_table(f"{HEADER}\n{GOOD}\n{_with('price', '4')}\n", "prices.csv", today=TODAY)


def test_size_and_encoding_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (MAX_BYTES + 1))
    with pytest.raises(PriceTableError, match="at most"):
        load_prices(big)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{HEADER}\n".encode() + b"\xff\n")
    with pytest.raises(PriceTableError, match="UTF-8"):
        load_prices(latin)
    with pytest.raises(PriceTableError, match="cannot be read"):
        load_prices(tmp_path / "missing.csv")
    endless = tmp_path / "endless.csv"
    endless.symlink_to("/dev/zero")  # reports 0 bytes and never ends
    with pytest.raises(PriceTableError, match=r"expected at most \d+ bytes, found more"):
        load_prices(endless)


def test_rows_round_trip_through_the_one_writer(tmp_path: Path) -> None:
    table = parse_table(f"{HEADER}\n{GOOD}\n{_with('region', 'cn-north-4')}\n", "prices.csv", today=TODAY)
    path = tmp_path / "prices.csv"
    write_table(path, table.rows)
    again = load_prices(path, today=TODAY)
    assert again.rows == tuple(sorted(table.rows, key=lambda row: row.key))
    assert again.rows[0].price == Decimal("3.5")
    assert [entry.name for entry in tmp_path.iterdir()] == ["prices.csv"]  # no temporary file left


def test_the_shipped_table_loads_and_is_in_canonical_form() -> None:
    table = load_prices()
    assert len(table.rows) > 50
    assert PRICES_FILE.read_text() == dumps_table(table.rows)


def test_cli_exits_2_naming_the_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "prices.csv"
    bad.write_text(f"{HEADER}\n{GOOD}\n{_with('currency', 'EUR')}\n")
    before = bad.read_text()
    code = main(["prices", "refresh", "--cloud", "huaweicloud", "--table", str(bad)])
    assert code == 2
    assert f"{bad}: row 3.currency: expected one of CNY, USD" in capsys.readouterr().err
    assert bad.read_text() == before
