"""`polestar location show`: one place as the acting user may see it, for a stated purpose."""

from __future__ import annotations

from typing import Any

from polestar.cli import sections
from polestar.cli.app import stdout, tell_withheld
from polestar.search.location_profile import location_view


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
    tell_withheld(view["withheld"])


sections.show_group("location", "Places: golden location entities.", "LOC", location_view, _render)
