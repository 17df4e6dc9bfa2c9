"""The person view: one golden person entity as one viewer may see it, audited in the same call.

The first consumer of the Viewer chokepoint (issue 4), extended to the joined-up profile
(issue 6): warning markers first, then identifiers, names and dates of birth with the records
holding each (conflicts listed, not resolved), addresses over time, vehicles, phones, events
by role a page at a time, a timeline, associates with their reasons, and each record's
provenance and the stored match weight that joined it. `person_view` builds the viewer's
Scope, reads only rows it shows (already redacted by the store), derives every value from
those rows alone and records the consultation. An entity none of whose records is visible is
`NotFound`, worded exactly as an id that never existed, so nothing reveals that it does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import NotFound
from polestar.graph import involvements as involvement_graph
from polestar.graph.associates import associates
from polestar.graph.involvements import EventPage, Involvement, involvements
from polestar.graph.timeline import dated_fact, records_named, timeline
from polestar.pole.addresses import one_line
from polestar.pole.names import full_name
from polestar.pole.times import london_day
from polestar.pole.vocabularies import MARKER_LABELS, Kind, ObjectType, Role, WarningMarker
from polestar.search.sourced import Sourced, collect, source_counts
from polestar.settings import Settings
from polestar.store import decisions, neighbours, review_items
from polestar.store import persons as person_store
from polestar.store.decisions import Pair
from polestar.store.person_joins import joins_of
from polestar.store.provenance import Provenance, provenance
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

ACTION = "person.show"
# Associates shown, most reasons first: a prolific person has hundreds.
ASSOCIATES_LIMIT = 50
IDENTIFIERS = ("pnc_id", "cro_number", "ni_number", "crn", "driving_licence")
ENTITY_ID = re.compile(r"^[A-Z]{3}-[0-9]{1,12}$")
_MARKER_ORDER = {marker.value: index for index, marker in enumerate(WarningMarker)}

__all__ = ["ACTION", "PersonView", "Sourced", "person_view"]


def not_found(entity_id: str) -> NotFound:
    """The one answer for an unknown id and an invisible entity alike."""
    return NotFound(f"no person {entity_id!r}")


@dataclass(frozen=True)
class PersonView:
    """A person entity built from the records one viewer may see.

    `records`, `names` and `dates_of_birth` are the contract of `person show --json`; later
    issues add fields, never remove these. `withheld` lists what a justification would add
    (category slugs, `person.field` names): the same for every entity, so it reveals nothing.
    """

    entity_id: str
    display_name: str | None
    markers: list[dict[str, Any]]
    names: list[Sourced]
    dates_of_birth: list[Sourced]
    records: list[str]
    aliases: list[Sourced] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    flags: list[Sourced] = field(default_factory=list)
    addresses: list[Sourced] = field(default_factory=list)
    source_counts: dict[str, int] = field(default_factory=dict)
    last_seen: str | None = None
    withheld: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    address_history: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    phones: list[Sourced] = field(default_factory=list)
    events: EventPage | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    timeline_total: int = 0
    associates: list[dict[str, Any]] = field(default_factory=list)
    associates_total: int = 0
    provenance: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `person show --json` and `GET /api/v1/persons/{entity_id}`."""
        return {
            "entity_id": self.entity_id,
            "display_name": self.display_name,
            "markers": self.markers,
            "names": [item.as_dict() for item in self.names],
            "dates_of_birth": [item.as_dict() for item in self.dates_of_birth],
            "records": self.records,
            "aliases": [item.as_dict() for item in self.aliases],
            "identifiers": self.identifiers,
            "flags": [item.as_dict() for item in self.flags],
            "addresses": [item.as_dict() for item in self.addresses],
            "source_counts": self.source_counts,
            "last_seen": self.last_seen,
            "withheld": self.withheld,
            "conflicts": self.conflicts,
            "address_history": self.address_history,
            "vehicles": self.vehicles,
            "phones": [item.as_dict() for item in self.phones],
            "events": None if self.events is None else self.events.as_dict(),
            "timeline": self.timeline,
            "timeline_total": self.timeline_total,
            "associates": self.associates,
            "associates_total": self.associates_total,
            "provenance": self.provenance,
        }


def _aliases(row: VisibleRow) -> Iterable[tuple[str | None, str]]:
    for alias in row.values.get("aliases") or ():
        if isinstance(alias, Mapping):
            yield full_name(alias), row.name


def _label(code: str) -> str:
    """A warning marker's name in words (`violent`), or its code when it is not the PNC's."""
    return MARKER_LABELS.get(WarningMarker(code), code) if code in _MARKER_ORDER else code


def markers(people: Sequence[VisibleRow], doubted: Collection[str] = ()) -> list[dict[str, Any]]:
    """Warning markers by code, in the PNC's order, with their dates and records; each
    `in_question` when every record giving it is `doubted` (one a reviewer may yet part from
    the person, or has ruled apart: `in_question`), so the warning may be someone else's."""
    found: dict[str, dict[str, Any]] = {}
    for row in people:
        for marker in row.values.get("markers") or ():
            code = str(marker.get("code"))
            item = found.setdefault(
                code, {"code": code, "label": _label(code), "dates": [], "sources": []}
            )
            if marker.get("date") and marker["date"] not in item["dates"]:
                item["dates"].append(marker["date"])
            if row.name not in item["sources"]:
                item["sources"].append(row.name)
    for item in found.values():
        item["dates"].sort()
        item["in_question"] = all(record in doubted for record in item["sources"])
    return sorted(found.values(), key=lambda item: _MARKER_ORDER.get(item["code"], 99))


def marker_entries(people: Sequence[VisibleRow]) -> list[tuple[datetime, dict[str, Any]]]:
    """Each dated warning marker as a timeline entry on the day it was applied, once however
    many records give it, naming them (`graph.timeline.timeline`'s `noted`)."""
    held: dict[tuple[str, date], list[str]] = {}
    for row in people:
        for marker in row.values.get("markers") or ():
            try:
                day = date.fromisoformat(str(marker.get("date"))[:10])
            except ValueError:
                continue  # undated: it heads the profile, but has no place in time
            names = held.setdefault((str(marker.get("code")), day), [])
            if row.name not in names:
                names.append(row.name)
    return [
        dated_fact(day, "marker", names, f"{code} {_label(code)}")
        for (code, day), names in held.items()
    ]


def last_seen(found: Sequence[Involvement]) -> str | None:
    """When the latest dated visible event happened, as shown (`Involvement.when`)."""
    dated = [item for item in found if item.occurred_at is not None]
    return max(dated, key=lambda item: item.sort_key).when if dated else None


@dataclass(frozen=True)
class Placing:
    """How a profile's person records came to be where they are: the stored joins that placed
    them, the open review items naming them (a reviewer may yet part them), and the pairs a
    decision in force says are not one person (parted by the next run; confirm and reject
    take effect then)."""

    joins: Mapping[tuple[int, str], tuple[tuple[int, str], Any]]
    reviews: Sequence[review_items.Item]
    cannot: Sequence[Pair]


def placing_of(conn: Connection, people: Sequence[VisibleRow]) -> Placing:
    """How these person rows came to be where they are (`Placing`), read by their records."""
    keys = [row.key for row in people]
    return Placing(
        joins_of(conn, keys),
        review_items.open_naming(conn, "person", keys),
        decisions.constraints(conn, "person", keys).cannot,
    )


def record_provenance(
    rows: Sequence[VisibleRow], origins: Mapping[int, Provenance], placing: Placing | None = None
) -> list[dict[str, Any]]:
    """Each row's record with its source record's provenance and, for a person row, the
    stored join that placed it, the grounds of the open review items pairing it with another
    of the entity's records (`under_review`), and the records of the entity a decision says
    it is not (`not_the_same_as`), each only when the other record is visible too."""
    name_of = {row.key: row.name for row in rows}
    reviewed: dict[tuple[int, str], set[str]] = {}
    for left, right, ground in placing.reviews if placing is not None else ():
        if left in name_of and right in name_of:
            for key in (left, right):
                reviewed.setdefault(key, set()).add(ground)
    parted: dict[tuple[int, str], set[str]] = {}
    for left, right in placing.cannot if placing is not None else ():
        if left in name_of and right in name_of:
            parted.setdefault(left, set()).add(name_of[right])
            parted.setdefault(right, set()).add(name_of[left])
    found = []
    for row in rows:
        origin = origins.get(row.record_id)
        item: dict[str, Any] = {"record": row.name, **(origin.as_dict() if origin else {})}
        if placing is not None:
            other, join = placing.joins.get(row.key, (None, None))
            item["join"] = (
                {
                    "other": join.other,
                    "match_weight": join.match_weight,
                    "match_probability": join.match_probability,
                    "model_version": join.model_version,
                }
                if join is not None and other in name_of
                else None
            )
            item["under_review"] = sorted(reviewed.get(row.key, ()))
            item["not_the_same_as"] = sorted(parted.get(row.key, set()) - {row.name})
        found.append(item)
    return found


@dataclass(frozen=True)
class InQuestion:
    """The profile's records a reviewer may yet part from the person (`under_review`), and
    those a decision says are another person (`ruled_apart`, until the next run parts them):
    said at the head of the profile, beside its warnings, not only in its provenance."""

    under_review: list[str]
    ruled_apart: list[str]

    def __bool__(self) -> bool:
        return bool(self.under_review or self.ruled_apart)


def in_question(provenance: Sequence[Mapping[str, Any]]) -> InQuestion:
    """What `record_provenance`'s items say of the records' placing, gathered."""
    return InQuestion(
        list(dict.fromkeys(item["record"] for item in provenance if item.get("under_review"))),
        list(dict.fromkeys(item["record"] for item in provenance if item.get("not_the_same_as"))),
    )


def record_dates(found: Sequence[Involvement]) -> dict[int, list[datetime]]:
    """The dated events' times (start and end) of each source record."""
    dates: dict[int, list[datetime]] = {}
    for item in found:
        ended = involvement_graph.utc(item.event.values.get("ended_at"))
        for moment in (item.occurred_at, ended):
            if moment is not None:
                dates.setdefault(item.event.record_id, []).append(moment)
    return dates


def _address_history(
    homes: Sequence[VisibleRow],
    entities: Mapping[tuple[int, str], str],
    found: Sequence[Involvement],
) -> list[dict[str, Any]]:
    """Addresses with the first and last dates the records holding them are dated by."""
    dates = record_dates(found)
    grouped: dict[str, dict[str, Any]] = {}
    for home in homes:
        if (text := one_line(home.values)) is None:
            continue
        item = grouped.setdefault(
            text, {"address": text, "entity_ids": [], "sources": [], "times": []}
        )
        if (entity := entities.get(home.key)) and entity not in item["entity_ids"]:
            item["entity_ids"].append(entity)
        if home.name not in item["sources"]:
            item["sources"].append(home.name)
        item["times"].extend(dates.get(home.record_id, ()))
    history = []
    for item in grouped.values():
        times = item.pop("times")
        item["from"] = london_day(min(times)).isoformat() if times else None
        item["to"] = london_day(max(times)).isoformat() if times else None
        history.append(item)
    return sorted(history, key=lambda h: (h["to"] or "", h["address"]), reverse=True)


def _vehicles(
    vehicles: Sequence[VisibleRow], entities: Mapping[tuple[int, str], str]
) -> list[dict[str, Any]]:
    """The person's vehicles, one per vehicle entity (or unplaced record), facts sourced."""
    grouped: dict[str, list[VisibleRow]] = {}
    for row in vehicles:
        grouped.setdefault(entities.get(row.key) or row.name, []).append(row)
    return [
        {
            "entity_id": entities.get(rows[0].key),
            **{
                name: [s.as_dict() for s in collect((r.values.get(name), r.name) for r in rows)]
                for name in ("vrm", "make", "model", "colour")
            },
            "sources": [row.name for row in rows],
        }
        for _, rows in sorted(grouped.items())
    ]


def _conflicts(view: Mapping[str, Sequence[Any]]) -> list[str]:
    return [name for name, values in view.items() if len(values) > 1]


@dataclass(frozen=True)
class _Page:
    limit: int
    cursor: str | None


def _read(
    conn: Connection, scope: Scope, entity_id: str, paging: _Page
) -> tuple[PersonView, Shown]:
    current = (
        person_store.live_person_entity(conn, entity_id) if ENTITY_ID.match(entity_id) else None
    )
    people = [] if current is None else person_store.entity_persons(conn, scope, current)
    if current is None or not people:
        raise not_found(entity_id[:64])
    resides = {Role.RESIDES_AT.value}
    homes = neighbours.linked(conn, scope, Kind.LOCATION, people, "to", resides)
    things = neighbours.linked(conn, scope, Kind.OBJECT, people, "to")
    vehicles = [row for row in things if row.subtype == ObjectType.VEHICLE.value]
    phones = [row for row in things if row.subtype == ObjectType.PHONE.value]
    found = involvements(conn, scope, people, "to")
    events = involvement_graph.page(conn, scope, found, paging.limit, paging.cursor)
    everyone = associates(
        conn,
        scope,
        current,
        people=people,
        events=found,
        homes=homes,
        vehicles=vehicles,
        phones=phones,
    )
    linked = everyone[:ASSOCIATES_LIMIT]
    origins = provenance(conn, {row.record_id for row in people})
    records = list(dict.fromkeys(row.name for row in people))
    names = collect((full_name(row.values), row.name) for row in people)
    dates_of_birth = collect((row.values.get("dob"), row.name) for row in people)
    identifiers = {
        name: collect((row.values.get(name), row.name) for row in people) for name in IDENTIFIERS
    }
    entries, total = timeline(found, people, origins, noted=marker_entries(people))
    provenance_items = record_provenance(people, origins, placing_of(conn, people))
    doubted = in_question(provenance_items)
    view = PersonView(
        entity_id=current,
        display_name=names[0].value if names else None,
        markers=markers(people, {*doubted.under_review, *doubted.ruled_apart}),
        names=names,
        dates_of_birth=dates_of_birth,
        records=records,
        aliases=collect(pair for row in people for pair in _aliases(row)),
        identifiers=[
            {"type": name, **item.as_dict()}
            for name, items in identifiers.items()
            for item in items
        ],
        flags=collect(
            (flag if row.values.get(flag) else None, row.name)
            for row in people
            for flag in ("wanted", "missing")
        ),
        addresses=collect((one_line(row.values), row.name) for row in homes),
        source_counts=source_counts(records),
        last_seen=last_seen(found),
        withheld=sorted(scope.withheld),
        conflicts=_conflicts({"names": names, "dates_of_birth": dates_of_birth, **identifiers}),
        address_history=_address_history(
            homes, neighbours.placed_in(conn, "location", homes), found
        ),
        vehicles=_vehicles(vehicles, neighbours.placed_in(conn, "vehicle", vehicles)),
        phones=collect((row.values.get("phone_number"), row.name) for row in phones),
        events=events,
        timeline=entries,
        timeline_total=total,
        associates=[associate.as_dict() for associate in linked],
        associates_total=len(everyone),
        provenance=provenance_items,
    )
    shown = Shown(
        entity_ids=[current, *(a.entity_id for a in linked)],
        record_ids=[
            *records,
            *events.shown,
            *records_named(entries),
            *(row.name for row in [*homes, *vehicles, *phones]),
            *(record for a in linked for record in sorted(a.records)),
        ],
    )
    return view, shown


def person_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    entity_id: str,
    now: datetime | None = None,
    events_limit: int = involvement_graph.DEFAULT_LIMIT,
    events_cursor: str | None = None,
) -> PersonView:
    """One person entity as `viewer` may see it, recorded as a consultation.

    Args:
        entity_id: a person entity id; a retired one resolves to the entity it merged into.
        now: when the lookup happens (agreements' dates, under-18s); the present by default.
        events_limit: events per page (1–200); counts by role cover every visible event.
        events_cursor: `events.next_cursor` of the previous page.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; a bad page.
        NotFound: (404) no such person, or none of its records is visible to the viewer.
        Both are recorded as denied consultations.
    """
    paging = _Page(events_limit, events_cursor)
    return consult(
        engine,
        settings,
        viewer,
        ACTION,
        entity_id,
        lambda conn, scope: _read(conn, scope, entity_id, paging),
        now,
    )
