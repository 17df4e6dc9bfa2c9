"""Where events happened, as a viewer sees it: places inside a box, crimes of a period, and
the place each event occurred at.

Coordinates come from location rows (`latitude`, `longitude`, indexed together by migration
0013). A box selects rows by coordinates, so a row whose coordinates the viewer may not see is
dropped after the read: being inside the box must not tell them where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import EventType, Kind, Role
from polestar.store import neighbours
from polestar.store.scope import Scope
from polestar.store.tables import events, locations
from polestar.store.visible import VisibleRow, visible_rows


@dataclass(frozen=True)
class Box:
    """An area of the map in WGS84 degrees: south-west and north-east corners."""

    south: float
    west: float
    north: float
    east: float


def coordinates(row: VisibleRow) -> tuple[float, float] | None:
    """A location row's (latitude, longitude), if the viewer sees both."""
    lat, lon = row.values.get("latitude"), row.values.get("longitude")
    return None if lat is None or lon is None else (float(lat), float(lon))


def places_within(conn: Connection, scope: Scope, box: Box, limit: int) -> list[VisibleRow]:
    """Up to `limit` visible location rows inside `box` whose coordinates the viewer sees."""
    where = sa.and_(
        locations.c.latitude.between(box.south, box.north),
        locations.c.longitude.between(box.west, box.east),
    )
    rows = visible_rows(conn, scope, Kind.LOCATION, where)
    return [row for row in rows if coordinates(row) is not None][:limit]


def events_between(
    conn: Connection,
    scope: Scope,
    event_type: EventType,
    since: datetime,
    until: datetime,
    categories: Sequence[str] | None = None,
) -> list[VisibleRow]:
    """Visible events of one type that occurred in [since, until), of these categories."""
    conditions = [
        events.c.event_type == event_type.value,
        events.c.occurred_at >= since,
        events.c.occurred_at < until,
    ]
    if categories is not None:
        conditions.append(events.c.category.in_(sorted(set(categories))))
    fields = frozenset({"occurred_at", "category"})
    return visible_rows(conn, scope, Kind.EVENT, sa.and_(*conditions), only=fields)


def occurred_at(
    conn: Connection, scope: Scope, found: Sequence[VisibleRow]
) -> dict[tuple[int, str], list[VisibleRow]]:
    """The visible places each of the visible events `found` occurred at, by event key."""
    places = neighbours.linked(conn, scope, Kind.LOCATION, found, "to", {Role.OCCURRED_AT.value})
    by_key = {place.key: place for place in places}
    wanted = {event.key for event in found}
    where: dict[tuple[int, str], list[VisibleRow]] = {}
    links = neighbours.links_within(
        conn, {place.record_id for place in places}, [Kind.EVENT.value], [Kind.LOCATION.value]
    )
    for link in links:
        event, place = (link.record_id, link.from_key), (link.record_id, link.to_key)
        if link.role == Role.OCCURRED_AT.value and event in wanted and place in by_key:
            where.setdefault(event, []).append(by_key[place])
    return where
