"""The events an entity's records are linked to, with the roles they had, paged newest first.

A prolific person is in hundreds of events: counts by role cover every visible event, while
the events themselves come a page at a time. The cursor is opaque and names no record (a
source key can be an identifier, and cursors travel in URLs): it holds the last event's
time, its source record's number and a digest of its key, which is also the order, so a page
never repeats or skips an event when others arrive before it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.engine import Connection

from polestar.errors import FieldError, InvalidInput
from polestar.pole.addresses import one_line
from polestar.pole.times import event_time
from polestar.pole.vocabularies import Kind, Role
from polestar.store import neighbours
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
_EVENT_FIELDS = ("category", "offence", "outcome", "grade", "summary")
SortKey = tuple[float, int, str]


def utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time (SQLite returns them naive)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def shown_time(event: VisibleRow) -> str | None:
    """When a visible event happened, as shown (`pole.times.event_time`): the day, if that is
    all its source gave."""
    return event_time(utc(event.values.get("occurred_at")), bool(event.values.get("day_only")))


@dataclass(frozen=True)
class Involvement:
    """One visible event and the roles the entity's rows (`records`) had in it."""

    event: VisibleRow
    roles: tuple[str, ...]
    records: tuple[str, ...]

    @property
    def occurred_at(self) -> datetime | None:
        return utc(self.event.values.get("occurred_at"))

    @property
    def when(self) -> str | None:
        return shown_time(self.event)

    @property
    def sort_key(self) -> SortKey:
        """Newest first when sorted in reverse; undated events last."""
        moment = self.occurred_at
        digest = hashlib.sha256(self.event.source_key.encode()).hexdigest()[:16]
        return (moment.timestamp() if moment else float("-inf"), self.event.record_id, digest)


def involvements(
    conn: Connection,
    scope: Scope,
    rows: Sequence[VisibleRow],
    found_at: Literal["from", "to"],
) -> list[Involvement]:
    """Visible events linked to the visible `rows`, newest first.

    Args:
        found_at: the end of the link events are at: `to` for a person's events (person →
            event), `from` for a vehicle's or a place's (event → vehicle, event → location).
    """
    events = neighbours.linked(conn, scope, Kind.EVENT, rows, found_at)
    mine = {row.key: row for row in rows}
    roles: dict[tuple[int, str], set[str]] = {}
    records: dict[tuple[int, str], set[str]] = {}
    kinds = {row.link_kind for row in rows} | {Kind.EVENT.value}
    for link in neighbours.links_within(conn, {event.record_id for event in events}, kinds, kinds):
        if link.from_kind == Kind.EVENT.value:
            event_key, own, own_kind = link.from_key, (link.record_id, link.to_key), link.to_kind
        elif link.to_kind == Kind.EVENT.value:
            event_key, own, own_kind = link.to_key, (link.record_id, link.from_key), link.from_kind
        else:
            continue
        if own in mine and mine[own].link_kind == own_kind:
            roles.setdefault((link.record_id, event_key), set()).add(link.role)
            records.setdefault((link.record_id, event_key), set()).add(mine[own].name)
    found = [
        Involvement(
            event,
            tuple(sorted(roles.get(event.key, ()))),
            tuple(sorted(records.get(event.key, ()))),
        )
        for event in events
    ]
    return sorted(found, key=lambda item: item.sort_key, reverse=True)


def _encode(key: SortKey) -> str:
    moment = None if key[0] == float("-inf") else key[0]
    text = json.dumps([moment, key[1], key[2]], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> SortKey:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, record_id, digest = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return (
            float("-inf") if moment is None else float(moment),
            int(record_id),
            str(digest),
        )
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInput(
            "the events cursor is not one this service gave: start again without it",
            [FieldError("cursor", "not a cursor from a previous page")],
        ) from exc


@dataclass(frozen=True)
class EventPage:
    """One page of an entity's events, with the totals over all its visible events."""

    total: int
    by_role: dict[str, int]
    by_type: dict[str, int]
    items: list[dict[str, Any]]
    next_cursor: str | None
    shown: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_role": self.by_role,
            "by_type": self.by_type,
            "items": self.items,
            "next_cursor": self.next_cursor,
        }


def check_limit(limit: int) -> int:
    """A page size between 1 and `MAX_LIMIT`, or a 422 naming the field."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"events_limit must be between 1 and {MAX_LIMIT}",
            [FieldError("events_limit", f"between 1 and {MAX_LIMIT}")],
        )
    return limit


def page(
    conn: Connection,
    scope: Scope,
    found: Sequence[Involvement],
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> EventPage:
    """The page of `found` (newest first) after `cursor`, each event with where it happened
    (the visible places it is linked to)."""
    check_limit(limit)
    after = None if cursor is None else _decode(cursor)
    remaining = [item for item in found if after is None or item.sort_key < after]
    chosen = remaining[:limit]
    places = neighbours.linked(
        conn, scope, Kind.LOCATION, [item.event for item in chosen], "to", {Role.OCCURRED_AT.value}
    )
    by_record: dict[int, list[str]] = {}
    for place in places:
        if (text := one_line(place.values)) is not None:
            by_record.setdefault(place.record_id, []).append(text)
    items = [_item(item, by_record.get(item.event.record_id, [])) for item in chosen]
    role_counts = Counter(role for item in found for role in item.roles)
    shown = [item.event.name for item in chosen] + [place.name for place in places]
    return EventPage(
        total=len(found),
        by_role=dict(sorted(role_counts.items())),
        by_type=dict(sorted(Counter(item.event.subtype or "" for item in found).items())),
        items=items,
        next_cursor=_encode(chosen[-1].sort_key) if len(remaining) > limit else None,
        shown=tuple(dict.fromkeys(shown)),
    )


def _item(item: Involvement, places: list[str]) -> dict[str, Any]:
    values = item.event.values
    return {
        "event": item.event.name,
        "event_type": item.event.subtype,
        "occurred_at": item.when,
        **{name: values[name] for name in _EVENT_FIELDS if values.get(name) is not None},
        "roles": list(item.roles),
        "records": list(item.records),
        "places": places,
    }
