"""Events on the map: where an entity's events happened, or what happened inside an area.

A point is one visible event at one visible place whose coordinates the viewer may see, with
its date, category and the records behind it. An event whose place has no coordinates (or
none the viewer may see) is counted as `unplaced`, not guessed. The area is a box of at most
`MAX_BOX_DEGREES` a side, so one request never reads the whole county's places; the hotspot
view (`graph.hotspots`) aggregates the county instead. Audited like every read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.access import Viewer
from polestar.access.consultations import Shown, consult
from polestar.errors import FieldError, InvalidInput
from polestar.graph.involvements import involvements, shown_time, utc
from polestar.graph.network import not_found
from polestar.pole.addresses import one_line
from polestar.pole.times import london_day
from polestar.pole.vocabularies import Kind, Role
from polestar.settings import Settings
from polestar.store import neighbours
from polestar.store import network as network_store
from polestar.store.points import Box, coordinates, occurred_at, places_within
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

ACTION = "map.events"
AREA_ACTION = "map.area"
DEFAULT_LIMIT, MAX_LIMIT = 1_000, 5_000
MAX_BOX_DEGREES = 0.25
__all__ = ["Box", "MapPoints", "Point", "When", "area_view", "map_view"]
# Places read inside a box at most: a box this full is a town centre over years of records.
_AREA_PLACES = 20_000


@dataclass(frozen=True)
class When:
    """Which events: dated between `since` and `until` (inclusive), of these categories."""

    since: date | None = None
    until: date | None = None
    categories: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InvalidInput(
                "the dates cannot be used as given", [FieldError("since", "after `until`")]
            )

    def keeps(self, event: VisibleRow) -> bool:
        if self.categories is not None and event.values.get("category") not in self.categories:
            return False
        if self.since is None and self.until is None:
            return True
        moment = utc(event.values.get("occurred_at"))
        if moment is None:
            return False
        day = london_day(moment)  # the dates are the county's days
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True)
class Point:
    """One event at one place: what, when, where, and the records behind it."""

    event: str
    event_type: str | None
    category: str | None
    occurred_at: str | None  # as shown: `pole.times.event_time`
    latitude: float
    longitude: float
    place: str | None
    records: tuple[str, ...]
    address: str | None = None  # the place as its visible record gives it, on one line

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "event_type": self.event_type,
            "category": self.category,
            "occurred_at": self.occurred_at,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "place": self.place,
            "address": self.address,
            "records": list(self.records),
        }


@dataclass(frozen=True)
class MapPoints:
    """Points newest first, how many visible events had no place to show, and whether
    `limit` cut the list."""

    points: list[Point]
    unplaced: int
    truncated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "points": [point.as_dict() for point in self.points],
            "unplaced": self.unplaced,
            "truncated": self.truncated,
        }

    def shown(self, first: str, details: dict[str, Any] | None = None) -> Shown:
        return Shown(
            entity_ids=[first, *(point.place for point in self.points if point.place)],
            record_ids=[record for point in self.points for record in point.records],
            details=details or {},
        )


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", [FieldError("limit", "out of range")]
        )


def _points(
    conn: Connection,
    scope: Scope,
    found: Sequence[VisibleRow],
    when: When,
    limit: int,
    box: Box | None = None,
) -> MapPoints:
    """The kept events of `found` at their visible places (inside `box`, if given)."""
    kept = sorted((event for event in found if when.keeps(event)), key=_newest, reverse=True)
    where = occurred_at(conn, scope, kept)
    entities = neighbours.placed_in(conn, "location", [p for ps in where.values() for p in ps])
    points, unplaced = [], 0
    for event in kept:
        at = [
            (place, spot)
            for place in where.get(event.key, ())
            if (spot := coordinates(place)) is not None and (box is None or _inside(spot, box))
        ]
        if not at:
            unplaced += 1
        for place, (lat, lon) in at:
            points.append(
                Point(
                    event=event.name,
                    event_type=event.subtype,
                    category=event.values.get("category"),
                    occurred_at=shown_time(event),
                    latitude=lat,
                    longitude=lon,
                    place=entities.get(place.key),
                    records=tuple(dict.fromkeys((event.name, place.name))),
                    address=one_line(place.values),
                )
            )
    return MapPoints(points[:limit], unplaced, len(points) > limit)


def _newest(event: VisibleRow) -> tuple[float, str]:
    """Sorted in reverse: newest first, undated last."""
    moment = utc(event.values.get("occurred_at"))
    return (float("-inf") if moment is None else moment.timestamp(), event.name)


def _inside(spot: tuple[float, float], box: Box) -> bool:
    return box.south <= spot[0] <= box.north and box.west <= spot[1] <= box.east


def entity_points(
    conn: Connection,
    scope: Scope,
    entity_id: str,
    when: When | None = None,
    limit: int = DEFAULT_LIMIT,
) -> MapPoints:
    """Where the events of a person, vehicle or place (`entity_id`) happened.

    Raises:
        NotFound: (404) no such entity, or none of its records visible.
    """
    check_limit(limit)
    found = network_store.live_entity(conn, entity_id)
    rows = [] if found is None else neighbours.entity_rows(conn, scope, found[1], [found[0]])
    if found is None or not rows:
        raise not_found(entity_id[:64])
    # A person's rows are the `from` end of their links to events; an event is the `from`
    # end of its links to a vehicle or a place.
    events = involvements(conn, scope, rows, "to" if found[1] == Kind.PERSON.value else "from")
    return _points(conn, scope, [item.event for item in events], when or When(), limit)


def check_box(box: Box) -> None:
    """A box with its corners in order and sides of at most `MAX_BOX_DEGREES`, or a 422."""
    errors = []
    if not (-90 <= box.south < box.north <= 90 and -180 <= box.west < box.east <= 180):
        errors.append(FieldError("box", "south < north and west < east, in degrees"))
    elif max(box.north - box.south, box.east - box.west) > MAX_BOX_DEGREES:
        errors.append(FieldError("box", f"at most {MAX_BOX_DEGREES} degrees a side"))
    if errors:
        raise InvalidInput("the area cannot be mapped as asked", errors)


def area_points(
    conn: Connection,
    scope: Scope,
    box: Box,
    when: When | None = None,
    limit: int = DEFAULT_LIMIT,
) -> MapPoints:
    """The visible events that occurred at visible places inside `box`."""
    check_box(box)
    check_limit(limit)
    places = places_within(conn, scope, box, _AREA_PLACES)
    occurred = {Role.OCCURRED_AT.value}
    events = neighbours.linked(conn, scope, Kind.EVENT, places, "from", occurred)
    found = _points(conn, scope, events, when or When(), limit, box)
    truncated = found.truncated or len(places) == _AREA_PLACES
    return MapPoints(found.points, found.unplaced, truncated)


def map_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    entity_id: str,
    when: When | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> MapPoints:
    """Where an entity's events happened, as `viewer` may see them, recorded as a
    consultation.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; a bad limit.
        NotFound: (404) no such entity, or none of its records visible to the viewer.
    """

    def read(conn: Connection, scope: Scope) -> tuple[MapPoints, Shown]:
        found = entity_points(conn, scope, entity_id, when, limit)
        return found, found.shown(entity_id)

    return consult(engine, settings, viewer, ACTION, entity_id, read, now)


def area_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    box: Box,
    when: When | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> MapPoints:
    """What happened inside `box`, as `viewer` may see it, recorded as a consultation
    (the box in its details).

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state; a bad box or limit.
    """
    corners = [box.south, box.west, box.north, box.east]

    def read(conn: Connection, scope: Scope) -> tuple[MapPoints, Shown]:
        found = area_points(conn, scope, box, when, limit)
        return found, found.shown("area", {"box": corners})

    return consult(engine, settings, viewer, AREA_ACTION, "area", read, now)
