"""An entity's timeline, newest first: its dated events, the events that mention it, dated
facts its records give (a person's warning markers, a premises' last inspection), and the
sightings of its records.

Each visible record of the entity appears once: at the time of the dated event its source
record holds (a custody arrest, a crime). Where the entity has no role in that event but the
record mentions it (a home address given in a crime report), the record appears at the event's
time all the same, as a mention, when the viewer may see that event. A record a dated fact
dates appears with that fact. Where the record holds neither (a probation case before its
supervision starts), it appears as a sighting at the time Polestar received it. Built only
from rows already read through the viewer's Scope, so nothing invisible is dated here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from polestar.graph.involvements import Involvement
from polestar.pole.times import london_midnight
from polestar.store.provenance import Provenance
from polestar.store.visible import VisibleRow

LIMIT = 100


def timeline(
    involvements: Sequence[Involvement],
    rows: Sequence[VisibleRow],
    provenance: Mapping[int, Provenance],
    limit: int = LIMIT,
    mentioned_in: Sequence[Involvement] = (),
    noted: Iterable[tuple[datetime, dict[str, Any]]] = (),
) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` entries and how many there are in all.

    Args:
        involvements: the entity's visible events with its roles in them.
        rows: the entity's own visible rows.
        provenance: each source record's provenance, by source record id.
        mentioned_in: other visible events, which date the entity's rows in their source
            records (a place by the events of the people who gave it as their home).
        noted: further dated entries built from the same visible rows, as (time, entry): a
            person's warning markers on the day each was applied, a premises record on the
            day of its last inspection. A row one names is not also shown as a sighting.
    """
    entries: list[tuple[datetime, dict[str, Any]]] = list(noted)
    # Rows a noted fact dates (a premises record by its inspection) are not sightings too.
    noted_records = {name for _, entry in entries for name in entry["records"]}
    dated = set()
    for item in involvements:
        moment = item.occurred_at
        if moment is None:
            continue
        dated.add(item.event.record_id)
        entry = {
            "at": item.when,
            "what": "event",
            "event_type": item.event.subtype,
            "record": item.event.name,
            "roles": list(item.roles),
            "records": list(item.records),
            "detail": None,
        }
        entries.append((moment, entry))
    mentioning = _mentions(mentioned_in, rows, dated)
    entries.extend((moment, entry) for moment, entry in mentioning.values())
    for row in rows:
        if (
            row.record_id in dated
            or row.record_id in mentioning
            or row.name in noted_records
            or (origin := provenance.get(row.record_id)) is None
        ):
            continue
        entry = {
            "at": origin.ingested_at.isoformat(),
            "what": "record-received",
            "event_type": None,
            "record": origin.record,
            "roles": [],
            "records": [row.name],
            "detail": None,
        }
        entries.append((origin.ingested_at, entry))
    entries.sort(key=lambda pair: (pair[0], pair[1]["record"]), reverse=True)
    return [entry for _, entry in entries[:limit]], len(entries)


def _mentions(
    events: Sequence[Involvement], rows: Sequence[VisibleRow], dated: set[int]
) -> dict[int, tuple[datetime, dict[str, Any]]]:
    """An entry for each source record that holds some of `rows` and one of the dated
    `events` but none of the entity's own: at that event's time (the latest, if it holds
    several), naming the rows."""
    latest: dict[int, tuple[datetime, str, Involvement]] = {}
    for item in events:
        moment, record_id = item.occurred_at, item.event.record_id
        if moment is None or record_id in dated:
            continue
        if record_id not in latest or (moment, item.event.name) > latest[record_id][:2]:
            latest[record_id] = (moment, item.event.name, item)
    names: dict[int, list[str]] = {}
    for row in rows:
        if row.record_id in latest and row.name not in names.get(row.record_id, ()):
            names.setdefault(row.record_id, []).append(row.name)
    found = {}
    for record_id, named in names.items():
        moment, _, item = latest[record_id]
        entry = {
            "at": item.when,
            "what": "mentioned",
            "event_type": item.event.subtype,
            "record": item.event.name,
            "roles": [],
            "records": named,
            "detail": None,
        }
        found[record_id] = (moment, entry)
    return found


def dated_fact(
    day: date, what: str, records: Sequence[str], detail: str | None = None
) -> tuple[datetime, dict[str, Any]]:
    """A `noted` entry for a fact its records date to a day (a marker applied, a premises
    inspected): at the start of that day in London, given as the day."""
    entry = {
        "at": day.isoformat(),
        "what": what,
        "event_type": None,
        "record": records[0],
        "roles": [],
        "records": list(records),
        "detail": detail,
    }
    return london_midnight(day), entry


def records_named(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every record the entries name, for the consultation's audit entry: a timeline reaches
    past the page of events it sits beside."""
    return list(dict.fromkeys(n for entry in entries for n in (entry["record"], *entry["records"])))
