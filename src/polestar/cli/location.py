"""`polestar location show`: one place as the acting user may see it, for a stated purpose."""

from __future__ import annotations

from typing import Any

import typer

from polestar.cli import sections
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
from polestar.search.location_profile import location_view
from polestar.settings import get_settings

location_app = typer.Typer(help="Places: golden location entities.", no_args_is_help=True)
app.add_typer(location_app, name="location")


@location_app.command("show")
def show_command(
    entity_id: str = typer.Argument(..., help="A location entity id (LOC-…)."),
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    events_limit: int = sections.EVENTS_LIMIT,
    events_cursor: str | None = sections.EVENTS_CURSOR,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show a place built from the records you may see; the lookup is audited."""
    view = location_view(
        store(),
        get_settings(),
        viewer(as_user, purpose, justification),
        entity_id,
        events_limit=events_limit,
        events_cursor=events_cursor,
    ).as_dict()
    if as_json:
        print_json(view)
    else:
        _render(view)


def _render(view: dict[str, Any]) -> None:
    name = view["display_name"] or "(no address visible)"
    stdout.print(f"[bold]{name}[/bold]  {view['entity_id']}")
    sections.sourced("hazards (fire and rescue)", view["hazards"])
    for field, items in view["premises"].items():
        sections.sourced(field.replace("_", " "), items)
    sections.sourced("addresses", view["addresses"])
    sections.sourced("postcodes", view["postcodes"])
    sections.sourced("UPRNs", view["uprns"])
    sections.people("residents", view["residents"])
    sections.events(view["events"])
    sections.timeline(view["timeline"], view["timeline_total"])
    sections.provenance(view["provenance"])
    if view["withheld"]:
        stderr.print(f"a justification would also show: {', '.join(view['withheld'])}")
