"""The location view: one golden location entity as one viewer may see it, audited in the call.

The person view's pattern (search/profile.py) for a place: its address, postcode and UPRN
with the records holding each, who lives or lived there (with the first and last dates their
records give), what happened there a page at a time, and the fire service's hazards and risk
level from its premises register — all from visible rows only. An unknown id and an
invisible place are the same `NotFound`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import NotFound
from polestar.graph import involvements as involvement_graph
from polestar.graph.involvements import EventPage, Involvement, involvements
from polestar.graph.people import Linked, by_entity, linked_people
from polestar.graph.timeline import dated_fact, records_named, timeline
from polestar.pole.addresses import one_line
from polestar.pole.times import london_day
from polestar.pole.vocabularies import Kind, Role
from polestar.search.profile import ENTITY_ID, last_seen, record_dates, record_provenance
from polestar.search.sourced import Sourced, collect, source_counts
from polestar.settings import Settings
from polestar.store import neighbours
from polestar.store.provenance import provenance
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

ACTION = "location.show"
# What the fire service's premises register holds about a place, kept in `attributes`.
PREMISES = ("premises_type", "risk_level", "last_inspected")


def not_found(entity_id: str) -> NotFound:
    """The one answer for an unknown id and an invisible place alike."""
    return NotFound(f"no location {entity_id!r}")


@dataclass(frozen=True)
class LocationView:
    """A location entity built from the records one viewer may see."""

    entity_id: str
    display_name: str | None
    addresses: list[Sourced]
    postcodes: list[Sourced]
    uprns: list[Sourced]
    records: list[str]
    residents: list[dict[str, Any]] = field(default_factory=list)
    hazards: list[Sourced] = field(default_factory=list)
    premises: dict[str, list[Sourced]] = field(default_factory=dict)
    events: EventPage | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    timeline_total: int = 0
    provenance: list[dict[str, Any]] = field(default_factory=list)
    source_counts: dict[str, int] = field(default_factory=dict)
    last_seen: str | None = None
    withheld: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `location show --json` and `GET /api/v1/locations/{entity_id}`."""
        return {
            "entity_id": self.entity_id,
            "display_name": self.display_name,
            "addresses": [item.as_dict() for item in self.addresses],
            "postcodes": [item.as_dict() for item in self.postcodes],
            "uprns": [item.as_dict() for item in self.uprns],
            "records": self.records,
            "residents": self.residents,
            "hazards": [item.as_dict() for item in self.hazards],
            "premises": {
                name: [item.as_dict() for item in items] for name, items in self.premises.items()
            },
            "events": None if self.events is None else self.events.as_dict(),
            "timeline": self.timeline,
            "timeline_total": self.timeline_total,
            "provenance": self.provenance,
            "source_counts": self.source_counts,
            "last_seen": self.last_seen,
            "withheld": self.withheld,
        }


def _attribute(row: VisibleRow, name: str) -> Any:
    return (row.values.get("attributes") or {}).get(name)


def _residents(
    conn: Connection, scope: Scope, found: Sequence[Linked], lives: Sequence[Involvement]
) -> list[dict[str, Any]]:
    """Who lives or lived here, each with the first and last dates of their records' events
    (`lives`: the visible events of the people in `found`)."""
    rows = [person for person, _, _ in found]
    dates = record_dates(lives)
    placed = neighbours.placed_in(conn, "person", rows)
    times: dict[str, list[datetime]] = {}
    for row in rows:
        if (entity := placed.get(row.key)) is not None:
            times.setdefault(entity, []).extend(dates.get(row.record_id, ()))
    residents = []
    for person in by_entity(conn, found):
        moments = times.get(person.entity_id, [])
        residents.append(
            {
                **person.as_dict(),
                "from": london_day(min(moments)).isoformat() if moments else None,
                "to": london_day(max(moments)).isoformat() if moments else None,
            }
        )
    return sorted(residents, key=lambda r: (r["to"] or "", r["entity_id"]), reverse=True)


def inspection_entries(rows: Sequence[VisibleRow]) -> list[tuple[datetime, dict[str, Any]]]:
    """Each visible premises record as a timeline entry on the day the fire service last
    inspected it (`graph.timeline.timeline`'s `noted`): the register's one date, which says
    more of the record than the day Polestar received it."""
    found = []
    for row in rows:
        try:
            day = date.fromisoformat(str(_attribute(row, "last_inspected")))
        except ValueError:
            continue  # not a premises record, the date withheld, or not a date
        found.append(dated_fact(day, "inspected", [row.name]))
    return found


def _read(
    conn: Connection, scope: Scope, entity_id: str, limit: int, cursor: str | None
) -> tuple[LocationView, Shown]:
    kind = Kind.LOCATION.value
    current = neighbours.live_entity(conn, entity_id, kind) if ENTITY_ID.match(entity_id) else None
    rows = [] if current is None else neighbours.entity_rows(conn, scope, kind, [current])
    if current is None or not rows:
        raise not_found(entity_id[:64])
    lived = linked_people(conn, scope, rows, frozenset({Role.RESIDES_AT.value}))
    lives = involvements(conn, scope, [person for person, _, _ in lived], "to")
    found = involvements(conn, scope, rows, "from")
    events = involvement_graph.page(conn, scope, found, limit, cursor)
    origins = provenance(conn, {row.record_id for row in rows})
    addresses = collect((one_line(row.values), row.name) for row in rows)
    records = list(dict.fromkeys(row.name for row in rows))
    entries, total = timeline(
        found, rows, origins, mentioned_in=lives, noted=inspection_entries(rows)
    )
    residents = _residents(conn, scope, lived, lives)
    view = LocationView(
        entity_id=current,
        display_name=addresses[0].value if addresses else None,
        addresses=addresses,
        postcodes=collect((row.values.get("postcode"), row.name) for row in rows),
        uprns=collect((row.values.get("uprn"), row.name) for row in rows),
        records=records,
        residents=residents,
        hazards=collect(
            (hazard, row.name) for row in rows for hazard in _attribute(row, "hazards") or ()
        ),
        premises={
            name: items
            for name in PREMISES
            if (items := collect((_attribute(row, name), row.name) for row in rows))
        },
        events=events,
        timeline=entries,
        timeline_total=total,
        provenance=record_provenance(rows, origins),
        source_counts=source_counts(records),
        last_seen=last_seen(found),
        withheld=sorted(scope.withheld),
    )
    shown = Shown(
        entity_ids=[current, *(r["entity_id"] for r in residents)],
        record_ids=[
            *records,
            *events.shown,
            *records_named(entries),
            *(r for p in residents for r in p["records"]),
        ],
    )
    return view, shown


def location_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    entity_id: str,
    now: datetime | None = None,
    events_limit: int = involvement_graph.DEFAULT_LIMIT,
    events_cursor: str | None = None,
) -> LocationView:
    """One location entity as `viewer` may see it, recorded as a consultation.

    Args:
        entity_id: a location entity id (LOC-…); a retired one resolves to its successor.
        events_limit, events_cursor: the page of events that happened there.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; a bad page.
        NotFound: (404) no such place, or none of its records is visible to the viewer.
    """
    return consult(
        engine,
        settings,
        viewer,
        ACTION,
        entity_id,
        lambda conn, scope: _read(conn, scope, entity_id, events_limit, events_cursor),
        now,
    )
