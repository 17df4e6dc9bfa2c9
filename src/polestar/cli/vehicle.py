"""`polestar vehicle show`: one vehicle as the acting user may see it, for a stated purpose."""

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
from polestar.search.vehicle_profile import FACTS, vehicle_view
from polestar.settings import get_settings

vehicle_app = typer.Typer(help="Vehicles: golden vehicle entities.", no_args_is_help=True)
app.add_typer(vehicle_app, name="vehicle")


@vehicle_app.command("show")
def show_command(
    entity_id: str = typer.Argument(..., help="A vehicle entity id (VEH-…)."),
    purpose: str | None = PURPOSE,
    justification: str | None = JUSTIFICATION,
    as_user: str | None = AS_USER,
    events_limit: int = sections.EVENTS_LIMIT,
    events_cursor: str | None = sections.EVENTS_CURSOR,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show a vehicle built from the records you may see; the lookup is audited."""
    view = vehicle_view(
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
    stdout.print(f"[bold]{view['display_name'] or '(no VRM visible)'}[/bold]  {view['entity_id']}")
    if view["conflicts"]:
        stdout.print(f"[yellow]sources disagree on: {', '.join(view['conflicts'])}[/yellow]")
    for name in FACTS:
        sections.sourced(name, view[name])
    sections.people("people", view["people"])
    sections.events(view["events"])
    sections.timeline(view["timeline"], view["timeline_total"])
    sections.provenance(view["provenance"])
    if view["withheld"]:
        stderr.print(f"a justification would also show: {', '.join(view['withheld'])}")
