"""The sections every profile prints (person, vehicle, location), as Rich tables on stdout.

Each renderer takes the view's JSON shape (`as_dict()`), the same contract `--json` prints,
so the readable output can never show a field the JSON does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import typer

from polestar.cli.app import (
    AS_USER,
    JUSTIFICATION,
    PURPOSE,
    app,
    folded_table,
    print_json,
    stdout,
    store,
    viewer,
)
from polestar.pole.times import wall_clock
from polestar.settings import get_settings

EVENTS_LIMIT = typer.Option(20, "--events-limit", help="Events per page (1-200).")
EVENTS_CURSOR = typer.Option(
    None, "--events-cursor", help="The `next_cursor` a previous page printed."
)
# A profile service: (engine, settings, viewer, entity id, events_limit=, events_cursor=) → a
# view with `as_dict()`, audited.
ProfileView = Callable[..., Any]


def show_group(
    noun: str, about: str, prefix: str, view: ProfileView, render: Callable[[dict[str, Any]], None]
) -> None:
    """Register `polestar NOUN show ENTITY`: the entity as the acting user may see it, for a
    stated purpose, printed by `render` or as the view's JSON."""
    group = typer.Typer(help=about, no_args_is_help=True)
    app.add_typer(group, name=noun)

    def show_command(
        entity_id: str = typer.Argument(..., help=f"A {noun} entity id ({prefix}-…)."),
        purpose: str | None = PURPOSE,
        justification: str | None = JUSTIFICATION,
        as_user: str | None = AS_USER,
        events_limit: int = EVENTS_LIMIT,
        events_cursor: str | None = EVENTS_CURSOR,
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        shown = view(
            store(),
            get_settings(),
            viewer(as_user, purpose, justification),
            entity_id,
            events_limit=events_limit,
            events_cursor=events_cursor,
        ).as_dict()
        if as_json:
            print_json(shown)
        else:
            render(shown)

    show_command.__doc__ = f"Show a {noun} built from the records you may see; audited."
    group.command("show")(show_command)


def sourced(title: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Values with the records that hold each; several values are a conflict, shown."""
    if not items:
        return
    table = folded_table("value", "records", title=title, title_justify="left")
    for item in items:
        table.add_row(str(item["value"]), ", ".join(item["sources"]))
    stdout.print(table)


def people(title: str, found: Sequence[Mapping[str, Any]]) -> None:
    """Linked people: entity, name, roles and (for residents) dates."""
    if not found:
        return
    table = folded_table("entity", "name", "roles", "from", "to", title=title, title_justify="left")
    for person in found:
        table.add_row(
            person["entity_id"],
            person["display_name"] or "",
            ", ".join(person["roles"]),
            person.get("from") or "",
            person.get("to") or "",
        )
    stdout.print(table)


def associates(found: Sequence[Mapping[str, Any]], total: int) -> None:
    """Associates with every reason for each link, most reasons first."""
    if not found:
        return
    title = f"associates ({len(found)} of {total})" if total > len(found) else "associates"
    table = folded_table("entity", "name", "reasons", title=title, title_justify="left")
    for associate in found:
        reasons = "; ".join(
            f"{r['reason']} ({r['via']}{', ' + ' / '.join(r['roles']) if r['roles'] else ''})"
            for r in associate["reasons"]
        )
        table.add_row(associate["entity_id"], associate["display_name"] or "", reasons)
    stdout.print(table)


def events(page: Mapping[str, Any] | None) -> None:
    """One page of events, with the counts by role over all of them and the next cursor."""
    if not page or not page["total"]:
        return
    roles = ", ".join(f"{role} {count}" for role, count in page["by_role"].items())
    table = folded_table(
        "when", "event", "type", "roles", "what", "where",
        title=f"events ({page['total']}: {roles})", title_justify="left",
    )  # fmt: skip
    for item in page["items"]:
        what = item.get("offence") or item.get("category") or item.get("outcome") or ""
        table.add_row(
            wall_clock(item["occurred_at"]),
            item["event"],
            item["event_type"] or "",
            ", ".join(item["roles"]),
            what,
            "; ".join(item["places"]),
        )
    stdout.print(table)
    if page["next_cursor"]:
        stdout.print(f"more events: --events-cursor {page['next_cursor']}")


def timeline(entries: Sequence[Mapping[str, Any]], total: int) -> None:
    """The newest entries of the timeline."""
    if not entries:
        return
    table = folded_table(
        "when", "what", "record", "roles", title=f"timeline ({total})", title_justify="left"
    )
    for entry in entries:
        what = entry["event_type"] or entry["what"]
        if entry["what"] == "mentioned":
            what += " (mentioned)"
        elif entry["what"] == "marker":
            what = f"warning marker: {entry['detail']}"
        table.add_row(wall_clock(entry["at"]), what, entry["record"], ", ".join(entry["roles"]))
    stdout.print(table)


def provenance(records: Sequence[Mapping[str, Any]]) -> None:
    """Each record's source record, file, line and arrival, the join that placed it, and
    whether a reviewer is yet to look at it."""
    if not records:
        return
    table = folded_table(
        "record", "source record", "file", "line", "ingested", "joined by",
        title="records", title_justify="left",
    )  # fmt: skip
    for item in records:
        join = item.get("join")
        joined = f"{join['other']} ({join['match_weight']:+.1f})" if join else ""
        joined += "".join(f" · under review: {ground}" for ground in item.get("under_review", ()))
        if item.get("not_the_same_as"):
            joined += f" · not the same person as {', '.join(item['not_the_same_as'])}"
        table.add_row(
            item["record"],
            item.get("source_record", ""),
            item.get("file", "").rsplit("/", 1)[-1],
            item.get("line", ""),
            wall_clock(item.get("ingested_at")),
            joined,
        )
    stdout.print(table)
