"""The vehicle view: one golden vehicle entity as one viewer may see it, audited in the call.

The person view's pattern (search/profile.py) for a vehicle: its VRMs, make, model and colour
with the records holding each (conflicts shown), the people linked to it (users, keepers,
owners) and the events it was involved in, a page at a time — all from visible rows only. An
unknown id and an invisible vehicle are the same `NotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import NotFound
from polestar.graph import involvements as involvement_graph
from polestar.graph.involvements import EventPage, involvements
from polestar.graph.people import by_entity, linked_people
from polestar.graph.timeline import records_named, timeline
from polestar.pole.vocabularies import ObjectType
from polestar.search.profile import ENTITY_ID, last_seen, record_provenance
from polestar.search.sourced import Sourced, collect, source_counts
from polestar.settings import Settings
from polestar.store import neighbours
from polestar.store.provenance import provenance
from polestar.store.scope import Scope

ACTION = "vehicle.show"
FACTS = ("vrm", "make", "model", "colour")


def not_found(entity_id: str) -> NotFound:
    """The one answer for an unknown id and an invisible vehicle alike."""
    return NotFound(f"no vehicle {entity_id!r}")


@dataclass(frozen=True)
class VehicleView:
    """A vehicle entity built from the records one viewer may see."""

    entity_id: str
    display_name: str | None
    facts: dict[str, list[Sourced]]
    records: list[str]
    people: list[dict[str, Any]] = field(default_factory=list)
    events: EventPage | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    timeline_total: int = 0
    provenance: list[dict[str, Any]] = field(default_factory=list)
    source_counts: dict[str, int] = field(default_factory=dict)
    last_seen: str | None = None
    conflicts: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `vehicle show --json` and `GET /api/v1/vehicles/{entity_id}`."""
        return {
            "entity_id": self.entity_id,
            "display_name": self.display_name,
            **{name: [item.as_dict() for item in self.facts[name]] for name in FACTS},
            "records": self.records,
            "people": self.people,
            "events": None if self.events is None else self.events.as_dict(),
            "timeline": self.timeline,
            "timeline_total": self.timeline_total,
            "provenance": self.provenance,
            "source_counts": self.source_counts,
            "last_seen": self.last_seen,
            "conflicts": self.conflicts,
            "withheld": self.withheld,
        }


def _read(
    conn: Connection, scope: Scope, entity_id: str, limit: int, cursor: str | None
) -> tuple[VehicleView, Shown]:
    kind = ObjectType.VEHICLE.value
    current = neighbours.live_entity(conn, entity_id, kind) if ENTITY_ID.match(entity_id) else None
    rows = [] if current is None else neighbours.entity_rows(conn, scope, kind, [current])
    if current is None or not rows:
        raise not_found(entity_id[:64])
    people = by_entity(conn, linked_people(conn, scope, rows))
    found = involvements(conn, scope, rows, "from")
    events = involvement_graph.page(conn, scope, found, limit, cursor)
    origins = provenance(conn, {row.record_id for row in rows})
    facts = {name: collect((row.values.get(name), row.name) for row in rows) for name in FACTS}
    records = list(dict.fromkeys(row.name for row in rows))
    entries, total = timeline(found, rows, origins)
    view = VehicleView(
        entity_id=current,
        display_name=facts["vrm"][0].value if facts["vrm"] else None,
        facts=facts,
        records=records,
        people=[person.as_dict() for person in people],
        events=events,
        timeline=entries,
        timeline_total=total,
        provenance=record_provenance(rows, origins),
        source_counts=source_counts(records),
        last_seen=last_seen(found),
        conflicts=[name for name, values in facts.items() if len(values) > 1],
        withheld=sorted(scope.withheld),
    )
    shown = Shown(
        entity_ids=[current, *(person.entity_id for person in people)],
        record_ids=[
            *records,
            *events.shown,
            *records_named(entries),
            *(r for p in people for r in sorted(p.records)),
        ],
    )
    return view, shown


def vehicle_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    entity_id: str,
    now: datetime | None = None,
    events_limit: int = involvement_graph.DEFAULT_LIMIT,
    events_cursor: str | None = None,
) -> VehicleView:
    """One vehicle entity as `viewer` may see it, recorded as a consultation.

    Args:
        entity_id: a vehicle entity id (VEH-…); a retired one resolves to its successor.
        events_limit, events_cursor: the page of events, as for `person_view`.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; a bad page.
        NotFound: (404) no such vehicle, or none of its records is visible to the viewer.
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
