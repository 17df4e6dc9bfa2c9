"""An entity's timeline: its dated events and the sightings of its records, newest first.

Each visible record of the entity appears once: at the time of the dated event its source
record holds (a custody arrest, a crime), or, when that record holds no dated event the viewer
may see (a fire premises occupant, a probation case before its supervision starts), as a
sighting at the time Polestar received it. Built only from rows already read through the
viewer's Scope, so nothing invisible is dated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from polestar.graph.involvements import Involvement
from polestar.store.provenance import Provenance
from polestar.store.visible import VisibleRow

LIMIT = 100


def timeline(
    involvements: Sequence[Involvement],
    rows: Sequence[VisibleRow],
    provenance: Mapping[int, Provenance],
    limit: int = LIMIT,
) -> tuple[list[dict[str, Any]], int]:
    """The newest `limit` entries and how many there are in all.

    Args:
        involvements: the entity's visible events with its roles in them.
        rows: the entity's own visible rows.
        provenance: each source record's provenance, by source record id.
    """
    entries: list[tuple[datetime, dict[str, Any]]] = []
    dated = set()
    for item in involvements:
        moment = item.occurred_at
        if moment is None:
            continue
        dated.add(item.event.record_id)
        entry = {
            "at": moment.isoformat(),
            "what": "event",
            "event_type": item.event.subtype,
            "record": item.event.name,
            "roles": list(item.roles),
            "records": list(item.records),
        }
        entries.append((moment, entry))
    for row in rows:
        if row.record_id in dated or (origin := provenance.get(row.record_id)) is None:
            continue
        entry = {
            "at": origin.ingested_at.isoformat(),
            "what": "record-received",
            "event_type": None,
            "record": origin.record,
            "roles": [],
            "records": [row.name],
        }
        entries.append((origin.ingested_at, entry))
    entries.sort(key=lambda pair: (pair[0], pair[1]["record"]), reverse=True)
    return [entry for _, entry in entries[:limit]], len(entries)
