"""`polestar vehicle show`: one vehicle as the acting user may see it, for a stated purpose."""

from __future__ import annotations

from typing import Any

from polestar.cli import sections
from polestar.cli.app import stdout, tell_withheld
from polestar.search.vehicle_profile import FACTS, vehicle_view


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
    tell_withheld(view["withheld"])


sections.show_group("vehicle", "Vehicles: golden vehicle entities.", "VEH", vehicle_view, _render)
