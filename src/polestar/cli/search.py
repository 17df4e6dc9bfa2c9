"""`polestar search`: golden entities answering a name, date of birth, plate, postcode,
address or phone number, as the acting user may see them; audited."""

from __future__ import annotations

import typer
from rich.table import Table

from polestar.cli.app import AS_USER, JUSTIFICATION, PURPOSE, app, print_json, stdout, store, viewer
from polestar.search import SearchPage, search
from polestar.search.results import DEFAULT_LIMIT
from polestar.settings import get_settings


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help="A name, date of birth, plate, postcode or phone."),
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    kind: str | None = typer.Option(None, "--kind", help="Only person, vehicle or location."),
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", help="Most results to show (1–100)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Search people, vehicles and places you may see, best match first; audited."""
    engine = store()
    page = search(
        engine,
        get_settings(),
        viewer(as_user, purpose, justification),
        query,
        kind=kind,
        limit=limit,
    )
    if as_json:
        print_json(page.as_dict())
    else:
        _render(page)


def _render(page: SearchPage) -> None:
    table = Table(title=f"{page.total:,} found", title_justify="left")
    table.add_column("entity", no_wrap=True)
    for heading in ("kind", "score", "name", "markers", "sources", "last seen"):
        table.add_column(heading)
    for result in page.results:
        table.add_row(
            result.entity_id,
            result.kind,
            f"{result.score:.2f}",
            result.display_name or "(not visible)",
            " ".join(f"[bold red]{code}[/bold red]" for code in result.markers),
            str(result.sources),
            "" if result.last_seen is None else f"{result.last_seen:%Y-%m-%d}",
        )
    stdout.print(table)
