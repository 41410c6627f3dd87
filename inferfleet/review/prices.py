"""The price table: hourly prices per cloud, region and flavor (or priced resource type), as data.

`prices.csv` ships with the toolkit. Each row says what it costs, in which currency (CNY and USD
stay apart: nothing here converts), under which billing mode, where the number came from, when it
was fetched, and whether it is an estimate. The accelerator catalog's list prices seed it and stay
marked as estimates until `inferfleet prices refresh` replaces them with the cloud's own answer.

The table is input like any other: a file a user edits is read strictly (bounded size and row
count, one type per column, no duplicate key), and a bad row is an error naming the file, the row
and the column. It is written by one writer (the csv module's quoting, then an atomic replace).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from inferfleet.dates import iso_date
from inferfleet.errors import LocatedInputError
from inferfleet.reading import read_at_most

PRICES_FILE = Path(__file__).with_name("prices.csv")
COLUMNS = ("cloud", "region", "kind", "item", "billing", "price", "currency", "unit", "source", "fetched", "estimate")

CLOUDS = ("huaweicloud", "alicloud", "tencentcloud", "aws")
KINDS = ("flavor", "resource")
"""`flavor`: an instance type or flavor, priced per node; `resource`: a resource type token, priced per resource."""
BILLING_MODES = ("on-demand", "spot", "subscription")
CURRENCIES = ("CNY", "USD")
UNITS = ("hour",)

MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 50_000
MAX_PRICE = Decimal(10_000_000)
MAX_DECIMALS = 6
MAX_TEXT = 200
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
_ITEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,159}")
_SPREADSHEET_FORMULA = ("=", "+", "-", "@")
"""A cell starting with one of these runs as a formula when the file is opened in a spreadsheet."""


class PriceTableError(LocatedInputError):
    """The price table is missing, too large or has a bad row."""


@dataclass(frozen=True, order=True)
class PriceKey:
    cloud: str
    region: str
    kind: str
    item: str
    billing: str


@dataclass(frozen=True)
class PriceRow:
    cloud: str
    region: str
    kind: str
    item: str
    billing: str
    price: Decimal
    currency: str
    unit: str
    source: str
    fetched: date
    estimate: bool

    @property
    def key(self) -> PriceKey:
        return PriceKey(self.cloud, self.region, self.kind, self.item, self.billing)

    def age_days(self, today: date) -> int:
        return (today - self.fetched).days


@dataclass(frozen=True)
class PriceTable:
    file: str
    rows: tuple[PriceRow, ...]

    def lookup(self, cloud: str, region: str, kind: str, item: str, billing: str) -> PriceRow | None:
        return self._index().get(PriceKey(cloud, region, kind, item, billing))

    def _index(self) -> dict[PriceKey, PriceRow]:
        index: dict[PriceKey, PriceRow] | None = self.__dict__.get("_by_key")
        if index is None:
            index = {row.key: row for row in self.rows}
            object.__setattr__(self, "_by_key", index)
        return index


def _choice(value: str, allowed: Sequence[str], file: str, where: str) -> str:
    if value not in allowed:
        raise PriceTableError(file, where, f"expected one of {', '.join(allowed)}, got {value[:40]!r}")
    return value


def _text(value: str, file: str, where: str) -> str:
    if not value or len(value) > MAX_TEXT or not value.isprintable() or value.startswith(_SPREADSHEET_FORMULA):
        raise PriceTableError(file, where, f"expected 1 to {MAX_TEXT} printable characters not starting with = + - @")
    return value


def _price(value: str, file: str, where: str) -> Decimal:
    try:
        price = Decimal(value)
    except InvalidOperation:
        price = Decimal("NaN")
    exponent = price.as_tuple().exponent
    if (
        not price.is_finite()
        or price < 0
        or price > MAX_PRICE
        or not isinstance(exponent, int)
        or -exponent > MAX_DECIMALS
        or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value)
    ):
        raise PriceTableError(
            file, where, f"expected a decimal amount from 0 to {MAX_PRICE} with at most {MAX_DECIMALS} decimals"
        )
    return price


def _fetched(value: str, file: str, where: str, today: date) -> date:
    day = iso_date(value)
    if day is None:
        raise PriceTableError(file, where, "expected a date YYYY-MM-DD")
    if day > today + timedelta(days=1):
        raise PriceTableError(file, where, "expected a date YYYY-MM-DD, not in the future")
    return day


def parse_row(fields: dict[str, str], file: str, row_number: int, today: date) -> PriceRow:
    def where(column: str) -> str:
        return f"row {row_number}.{column}"

    region = fields["region"]
    if not _REGION.fullmatch(region):
        raise PriceTableError(file, where("region"), "expected a region code such as cn-south-1 or us-west-2")
    item = fields["item"]
    if not _ITEM.fullmatch(item):
        raise PriceTableError(file, where("item"), "expected a flavor or resource type (letters, digits, . _ : / -)")
    if fields["estimate"] not in ("true", "false"):
        raise PriceTableError(file, where("estimate"), "expected true or false")
    return PriceRow(
        cloud=_choice(fields["cloud"], CLOUDS, file, where("cloud")),
        region=region,
        kind=_choice(fields["kind"], KINDS, file, where("kind")),
        item=item,
        billing=_choice(fields["billing"], BILLING_MODES, file, where("billing")),
        price=_price(fields["price"], file, where("price")),
        currency=_choice(fields["currency"], CURRENCIES, file, where("currency")),
        unit=_choice(fields["unit"], UNITS, file, where("unit")),
        source=_text(fields["source"], file, where("source")),
        fetched=_fetched(fields["fetched"], file, where("fetched"), today),
        estimate=fields["estimate"] == "true",
    )


def parse_table(text: str, file: str, *, today: date | None = None) -> PriceTable:
    today = today or date.today()
    if len(text.encode()) > MAX_BYTES:
        raise PriceTableError(file, "", f"expected at most {MAX_BYTES} bytes")
    if "\x00" in text:
        raise PriceTableError(file, "", "expected text, found a NUL byte")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[PriceRow] = []
    seen: dict[PriceKey, int] = {}
    try:
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise PriceTableError(file, "row 1", f"expected the header {','.join(COLUMNS)}")
        for cells in reader:
            row_number = reader.line_num
            if not cells:
                continue
            if len(rows) >= MAX_ROWS:
                raise PriceTableError(file, f"row {row_number}", f"expected at most {MAX_ROWS} rows")
            if len(cells) != len(COLUMNS):
                raise PriceTableError(file, f"row {row_number}", f"expected {len(COLUMNS)} columns, found {len(cells)}")
            row = parse_row(dict(zip(COLUMNS, cells, strict=True)), file, row_number, today)
            if row.key in seen:
                raise PriceTableError(
                    file,
                    f"row {row_number}",
                    f"duplicate of row {seen[row.key]} (same cloud, region, kind, item, billing)",
                )
            seen[row.key] = row_number
            rows.append(row)
    except csv.Error as error:
        raise PriceTableError(file, f"row {reader.line_num}", f"malformed CSV: {error}") from None
    return PriceTable(file=file, rows=tuple(rows))


def load_prices(path: Path = PRICES_FILE, *, today: date | None = None) -> PriceTable:
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PriceTableError(file, "", f"expected at most {MAX_BYTES} bytes, found {size}")
        data = read_at_most(path, MAX_BYTES)
        if len(data) > MAX_BYTES:
            raise PriceTableError(file, "", f"expected at most {MAX_BYTES} bytes, found more")
    except OSError as error:
        raise PriceTableError(file, "", f"cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PriceTableError(file, "", "expected UTF-8 text") from None
    return parse_table(text, file, today=today)


def dumps_table(rows: Iterable[PriceRow]) -> str:
    """The table's text: header, then rows sorted by key (so a refresh diffs line by line)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda row: row.key):
        writer.writerow(
            [
                row.cloud,
                row.region,
                row.kind,
                row.item,
                row.billing,
                format(row.price.normalize(), "f") if row.price else "0",
                row.currency,
                row.unit,
                row.source,
                row.fetched.isoformat(),
                "true" if row.estimate else "false",
            ]
        )
    return out.getvalue()


def write_table(path: Path, rows: Iterable[PriceRow]) -> None:
    """Write the table completely or not at all (the toolkit's one file writer)."""
    from inferfleet.cli.console import write_atomically

    write_atomically(path, dumps_table(rows))


def merge(table: PriceTable, new_rows: Iterable[PriceRow]) -> tuple[PriceRow, ...]:
    """The table's rows with `new_rows` replacing those of the same key (and added when new)."""
    merged = {row.key: row for row in table.rows}
    for row in new_rows:
        merged[row.key] = row
    return tuple(sorted(merged.values(), key=lambda row: row.key))


def seed_rows(catalog: dict[str, object], *, fetched: date) -> list[PriceRow]:
    """Rows from the accelerator catalog's list prices, every one marked as an estimate."""
    rows: list[PriceRow] = []
    clouds = catalog.get("clouds")
    if not isinstance(clouds, dict):
        return rows
    for cloud, entry in clouds.items():
        if cloud not in CLOUDS or not isinstance(entry, dict):
            continue
        for offering in entry.get("offerings", []):
            for region in offering["regions"]:
                rows.append(
                    PriceRow(
                        cloud=cloud,
                        region=region,
                        kind="flavor",
                        item=offering["flavor"],
                        billing="on-demand",
                        price=Decimal(str(offering["price_per_hour"])),
                        currency=entry["currency"],
                        unit="hour",
                        source="accelerator catalog list price (inferfleet-gpu-instance), not checked",
                        fetched=fetched,
                        estimate=True,
                    )
                )
    return rows


def with_price(row: PriceRow, price: Decimal, *, source: str, fetched: date, currency: str | None = None) -> PriceRow:
    """A refreshed copy of a row: the cloud's price, its source and date, no longer an estimate."""
    return replace(row, price=price, source=source, fetched=fetched, estimate=False, currency=currency or row.currency)
