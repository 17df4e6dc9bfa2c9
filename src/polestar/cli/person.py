"""`polestar person show`: one person as the acting user may see them, for a stated purpose."""

from __future__ import annotations

import typer
from rich.table import Table

from polestar.cli.app import (
    AS_USER,
    JUSTIFICATION,
    PURPOSE,
    app,
    print_json,
    stderr,
    stdout,
    store,
    viewer,
)
from polestar.search.profile import PersonView, Sourced, person_view
from polestar.settings import get_settings

person_app = typer.Typer(help="People: golden person entities.", no_args_is_help=True)
app.add_typer(person_app, name="person")


@person_app.command("show")
def show_command(
    entity_id: str = typer.Argument(..., help="A person entity id (PER-…)."),
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show a person built from the records you may see; the lookup is audited."""
    engine = store()
    view = person_view(engine, get_settings(), viewer(as_user, purpose, justification), entity_id)
    if as_json:
        print_json(view.as_dict())
    else:
        _render(view)


def _sourced(title: str, items: list[Sourced]) -> None:
    if not items:
        return
    table = Table("value", "records", title=title, title_justify="left")
    for item in items:
        table.add_row(item.value, ", ".join(item.sources))
    stdout.print(table)


def _render(view: PersonView) -> None:
    stdout.print(f"[bold]{view.display_name or '(no name visible)'}[/bold]  {view.entity_id}")
    if view.markers:
        table = Table("marker", "dates", "records", title="warning markers", title_justify="left")
        for marker in view.markers:
            table.add_row(
                f"[bold red]{marker['code']}[/bold red] {marker['label']}",
                ", ".join(marker["dates"]),
                ", ".join(marker["sources"]),
            )
        stdout.print(table)
    _sourced("flags", view.flags)
    _sourced("names", view.names)
    _sourced("aliases", view.aliases)
    _sourced("dates of birth", view.dates_of_birth)
    _sourced("addresses", view.addresses)
    if view.identifiers:
        table = Table("identifier", "value", "records", title="identifiers", title_justify="left")
        for item in view.identifiers:
            table.add_row(item["type"], item["value"], ", ".join(item["sources"]))
        stdout.print(table)
    counts = ", ".join(f"{source} {count}" for source, count in view.source_counts.items())
    stdout.print(f"records: {counts}")
    if view.last_seen is not None:
        stdout.print(f"last seen: {view.last_seen:%Y-%m-%d %H:%M} UTC")
    if view.withheld:
        stderr.print(f"a justification would also show: {', '.join(view.withheld)}")
