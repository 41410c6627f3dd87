"""`inferfleet prices`: the price table behind the cost of a plan; `refresh` asks the clouds' pricing APIs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from inferfleet.cli import console
from inferfleet.cli.app import app
from inferfleet.review.prices import PRICES_FILE, PriceRow
from inferfleet.review.refresh import CLOUDS, RefreshResult, refresh_prices

prices_app = typer.Typer(help="The price table: hourly prices per cloud, region and flavor.", no_args_is_help=True)
app.add_typer(prices_app, name="prices")


def _side(row: PriceRow) -> dict[str, Any]:
    return {
        "price": format(row.price.normalize(), "f"),
        "currency": row.currency,
        "estimate": row.estimate,
        "fetched": row.fetched.isoformat(),
    }


def result_document(result: RefreshResult) -> dict[str, Any]:
    return {
        "table": result.table,
        "cloud": result.cloud,
        "changes": [
            {"region": change.new.region, "item": change.new.item, "old": _side(change.old), "new": _side(change.new)}
            for change in result.changes
        ],
        "not_offered": [{"region": row.region, "item": row.item} for row in result.not_offered],
    }


def _show(result: RefreshResult) -> None:
    table = Table(title=f"{console.markup(result.table)}: {result.cloud} on-demand prices per hour")
    for column in ("region", "flavor", "old", "new", "change"):
        table.add_column(column, justify="right" if column in {"old", "new", "change"} else "left")
    for change in result.changes:
        old, new = change.old, change.new
        difference = new.price - old.price if new.currency == old.currency else None
        table.add_row(
            console.markup(new.region),
            console.markup(new.item),
            f"{old.currency} {old.price}{' (estimate)' if old.estimate else ''}",
            f"{new.currency} {new.price}",
            "currency changed" if difference is None else f"{difference:+}",
        )
    console.err.print(table)
    for row in result.not_offered:
        console.err.print(
            f"[yellow]not priced by the cloud (not sold there?): {console.markup(row.region)} "
            f"{console.markup(row.item)}, row left as it was[/]"
        )


@prices_app.command("refresh")
def refresh_command(  # noqa: PLR0917 (typer maps each parameter to a flag)
    cloud: Annotated[str, typer.Option("--cloud", help=f"Cloud whose prices to fetch: {', '.join(CLOUDS)}.")],
    region: Annotated[str | None, typer.Option("--region", help="Only this region's rows (default: all).")] = None,
    table: Annotated[Path, typer.Option("--table", help="Price table to update (CSV).")] = PRICES_FILE,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Pricing API endpoint URL, e.g. an international site's or a proxy's."),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="Currency of Tencent Cloud's answers, which do not say (default CNY)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the old and new prices as JSON on stdout.")] = False,
) -> None:
    """Update the price table from a cloud's official pricing API (credentials from the environment)."""
    result = refresh_prices(table, cloud, region=region, endpoint=endpoint, currency=currency)
    if as_json:
        console.emit(orjson.dumps(result_document(result), option=orjson.OPT_INDENT_2).decode())
    _show(result)
