"""`polestar search`: golden entities answering a name, date of birth, plate, postcode,
address or phone number, as the acting user may see them; audited."""

from __future__ import annotations

from datetime import datetime

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from polestar.cli.app import (
    AS_USER,
    JUSTIFICATION,
    PURPOSE,
    app,
    print_json,
    stdout,
    store,
    tell_withheld,
    viewer,
)
from polestar.pole.times import wall_clock
from polestar.search import Result, SearchPage, search
from polestar.search.filters import Filters
from polestar.search.results import DEFAULT_LIMIT
from polestar.settings import get_settings


@app.command("search")
def search_command(
    query: str = typer.Argument(
        ...,
        help="A name, date of birth, plate (`KV69 ?PJ` in part), postcode, address, phone or "
        "PNC ID.",
    ),
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    kind: str | None = typer.Option(None, "--kind", help="Only person, vehicle or location."),
    sources: list[str] | None = typer.Option(
        None,
        "--source",
        help="Only entities with a record you may see from this source system (repeatable).",
    ),
    born_from: datetime | None = typer.Option(
        None, "--born-from", formats=["%Y-%m-%d"], help="Only people born on or after this day."
    ),
    born_to: datetime | None = typer.Option(
        None, "--born-to", formats=["%Y-%m-%d"], help="Only people born on or before this day."
    ),
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", help="Most results to show (1–100)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Search people, vehicles and places you may see, best match first; audited."""
    engine = store()
    filters = Filters(
        frozenset(sources or ()),
        None if born_from is None else born_from.date(),
        None if born_to is None else born_to.date(),
    )
    page = search(
        engine,
        get_settings(),
        viewer(as_user, purpose, justification),
        query,
        kind=kind,
        filters=filters,
        limit=limit,
    )
    if as_json:
        print_json(page.as_dict())
    else:
        _render(page)
    tell_withheld(page.withheld)


def _named(result: Result) -> str:
    """The result's name, and under it where a place typed with the name found them."""
    name = escape(result.display_name or "(not visible)")
    return name if result.place is None else f"{name}\n[dim]at {escape(result.place)}[/dim]"


def _render(page: SearchPage) -> None:
    # Eighty columns hold a 15-letter name beside the rest: no vertical rules, no kind column
    # (the id's prefix names it: PER-, VEH-, LOC-), and a born column only for people. Ids and
    # dates stay whole; names and markers wrap.
    born = any(result.kind == "person" for result in page.results)
    headings = ("entity", "score", "name", *(("born",) if born else ()), "markers", "sources")
    table = Table(
        title=f"{page.total:,} found",
        title_justify="left",
        box=box.SIMPLE,
        pad_edge=False,
        collapse_padding=True,
    )
    for heading in (*headings, "last seen"):
        wraps = heading in ("name", "markers")
        table.add_column(heading, no_wrap=not wraps, min_width=15 if heading == "name" else None)
    for result in page.results:
        table.add_row(
            result.entity_id,
            f"{result.score:.2f}",
            _named(result),
            *(("" if result.born is None else result.born.isoformat(),) if born else ()),
            " ".join(f"[bold red]{code}[/bold red]" for code in result.markers),
            str(result.sources),
            wall_clock(result.last_seen)[:10],
        )
    stdout.print(table)
