"""`polestar person show`: one person as the acting user may see them, for a stated purpose."""

from __future__ import annotations

from typing import Any

from polestar.cli import sections
from polestar.cli.app import folded_table, stdout, tell_withheld
from polestar.pole.times import wall_clock
from polestar.search.profile import in_question, person_view


def _markers(markers: list[dict[str, Any]]) -> None:
    if not markers:
        return
    table = folded_table(
        "marker", "dates", "records", title="warning markers", title_justify="left"
    )
    for marker in markers:
        doubt = " [yellow](only from records in question)[/yellow]" if marker["in_question"] else ""
        table.add_row(
            f"[bold red]{marker['code']}[/bold red] {marker['label']}{doubt}",
            ", ".join(marker["dates"]),
            ", ".join(marker["sources"]),
        )
    stdout.print(table)


def _render(view: dict[str, Any]) -> None:
    stdout.print(f"[bold]{view['display_name'] or '(no name visible)'}[/bold]  {view['entity_id']}")
    _markers(view["markers"])
    sections.sourced("flags", view["flags"])
    if view["conflicts"]:
        stdout.print(f"[yellow]sources disagree on: {', '.join(view['conflicts'])}[/yellow]")
    doubted = in_question(view["provenance"])
    if doubted.under_review:
        under = ", ".join(doubted.under_review)
        stdout.print(
            f"[yellow]under review: a reviewer may yet find {under} to be another person[/yellow]"
        )
    if doubted.ruled_apart:
        apart = ", ".join(doubted.ruled_apart)
        stdout.print(
            f"[yellow]ruled apart: {apart} are not one person (parted at the next run)[/yellow]"
        )
    sections.sourced("names", view["names"])
    sections.sourced("aliases", view["aliases"])
    sections.sourced("dates of birth", view["dates_of_birth"])
    if view["identifiers"]:
        table = folded_table(
            "identifier", "value", "records", title="identifiers", title_justify="left"
        )
        for item in view["identifiers"]:
            table.add_row(item["type"], item["value"], ", ".join(item["sources"]))
        stdout.print(table)
    if view["address_history"]:
        table = folded_table(
            "address", "from", "to", "records", title="addresses", title_justify="left"
        )
        for item in view["address_history"]:
            table.add_row(
                item["address"], item["from"] or "", item["to"] or "", ", ".join(item["sources"])
            )
        stdout.print(table)
    for vehicle in view["vehicles"]:
        vrm = ", ".join(v["value"] for v in vehicle["vrm"]) or "(no VRM visible)"
        described = " ".join(
            v["value"] for name in ("colour", "make", "model") for v in vehicle[name][:1]
        )
        stdout.print(f"vehicle {vehicle['entity_id'] or ''} {vrm} {described}".rstrip())
    sections.sourced("phones", view["phones"])
    sections.associates(view["associates"], view["associates_total"])
    sections.events(view["events"])
    sections.timeline(view["timeline"], view["timeline_total"])
    sections.provenance(view["provenance"])
    counts = ", ".join(f"{source} {count}" for source, count in view["source_counts"].items())
    stdout.print(f"records: {counts}")
    if view["last_seen"] is not None:
        stdout.print(f"last seen: {wall_clock(view['last_seen'])}")
    tell_withheld(view["withheld"])


sections.show_group("person", "People: golden person entities.", "PER", person_view, _render)
