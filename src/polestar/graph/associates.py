"""A person's associates, each with the reasons for the link, from visible records only.

Five reasons join two person entities: they are in the same event (co-suspects, or a
suspect and a victim), a record names them as family or associates, they live or lived at
the same place (the same location entity), they use the same vehicle (the same vehicle
entity), or the same phone number. Every step reads through the viewer's Scope (premise 2):
an associate known only from a record the viewer may not see does not appear, nor its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from polestar.graph.involvements import Involvement
from polestar.graph.people import linked_people
from polestar.pole.names import full_name
from polestar.pole.vocabularies import Kind, Role
from polestar.store import neighbours
from polestar.store import phones as phone_store
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

# Roles of someone suspected of (or charged with) an offence: two of them make co-suspects.
SUSPECT_ROLES = frozenset(
    {Role.SUSPECT.value, Role.OFFENDER.value, Role.ARRESTED_PERSON.value, Role.DEFENDANT.value}
)
_PERSONAL_ROLES = frozenset({Role.FAMILY.value, Role.ASSOCIATE.value})


@dataclass(frozen=True, order=True)
class Reason:
    """Why two people are linked: `reason` (co-suspect, co-involved, family, associate,
    same-address, shared-vehicle, shared-phone), `via` what (an event's or record's
    `SOURCE:KEY`, a location or vehicle entity id, a phone number), and the two roles."""

    reason: str
    via: str
    roles: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "via": self.via, "roles": list(self.roles)}


@dataclass
class Associate:
    """Another person entity and every visible reason linking it to the person."""

    entity_id: str
    display_name: str | None = None
    reasons: set[Reason] = field(default_factory=set)
    records: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "display_name": self.display_name,
            "reasons": [reason.as_dict() for reason in sorted(self.reasons)],
            "records": sorted(self.records),
        }


class _Collector:
    """Associates keyed by entity, built from visible person rows and the reason for each."""

    def __init__(self, conn: Connection, entity_id: str) -> None:
        self.conn = conn
        self.entity_id = entity_id
        self.found: dict[str, Associate] = {}

    def add(self, rows: Sequence[tuple[VisibleRow, Reason]]) -> None:
        placed = neighbours.placed_in(self.conn, "person", [row for row, _ in rows])
        for row, reason in rows:
            entity = placed.get(row.key)
            if entity is None or entity == self.entity_id:
                continue
            associate = self.found.setdefault(entity, Associate(entity))
            associate.reasons.add(reason)
            associate.records.add(row.name)
            associate.display_name = associate.display_name or full_name(row.values)


def _in_events(
    conn: Connection, scope: Scope, people: Sequence[VisibleRow], found: Sequence[Involvement]
) -> list[tuple[VisibleRow, Reason]]:
    """People in the same visible events, as co-suspects or co-involved, with both roles."""
    mine = {item.event.key: set(item.roles) for item in found}
    events = [item.event for item in found]
    reasons = []
    for other, event, their in linked_people(conn, scope, events, exclude=people):
        own = mine.get(event.key)
        if not own:
            continue
        suspects = own & SUSPECT_ROLES and their & SUSPECT_ROLES
        both = ("/".join(sorted(own)), "/".join(sorted(their)))
        reasons.append(
            (other, Reason("co-suspect" if suspects else "co-involved", event.name, both))
        )
    return reasons


def _named(
    conn: Connection, scope: Scope, people: Sequence[VisibleRow]
) -> list[tuple[VisibleRow, Reason]]:
    """People a visible record names as family or associates of one of the person's rows."""
    # The links of the person's own records first: most name no family or associate, and
    # then no person row need be read at all.
    mine = {person.key for person in people}
    person = [Kind.PERSON.value]
    roles: dict[tuple[int, str], set[str]] = {}
    for link in neighbours.links_within(conn, {row.record_id for row in people}, person, person):
        ends = {(link.record_id, link.from_key), (link.record_id, link.to_key)}
        if link.role in _PERSONAL_ROLES and ends & mine:
            for other in ends - mine:
                roles.setdefault(other, set()).add(link.role)
    return [
        (other, Reason(role, other.name))
        for other in neighbours.rows_named(conn, scope, Kind.PERSON, roles)
        for role in sorted(roles[other.key])
    ]


def _sharing(
    conn: Connection,
    scope: Scope,
    member_kind: str,
    people: Sequence[VisibleRow],
    mine: Sequence[VisibleRow],
    reason: str,
    roles: frozenset[str] | None = None,
) -> list[tuple[VisibleRow, Reason]]:
    """People linked to a visible record of the same location or vehicle entity as `mine`."""
    entity_ids = sorted(set(neighbours.placed_in(conn, member_kind, mine).values()))
    # Not the person's own rows of those entities: a prolific person's hundreds of records
    # of their own addresses would be read again only to be dropped.
    own = [row.key for row in mine]
    rows = neighbours.entity_rows(conn, scope, member_kind, entity_ids, exclude=own)
    entity_of = neighbours.placed_in(conn, member_kind, rows)
    return [
        (other, Reason(reason, entity_of[row.key]))
        for other, row, _ in linked_people(conn, scope, rows, roles, exclude=people)
    ]


def _phones(
    conn: Connection, scope: Scope, people: Sequence[VisibleRow], phones: Sequence[VisibleRow]
) -> list[tuple[VisibleRow, Reason]]:
    """People using a visible phone row whose number the viewer sees on one of their own."""
    numbers = sorted(
        {str(p.values["phone_number"]) for p in phones if p.values.get("phone_number")}
    )
    own = {row.key for row in phones}
    rows = [
        row
        for row in phone_store.phones_numbered(conn, scope, numbers)
        if row.values.get("phone_number") and row.key not in own
    ]
    uses = frozenset({Role.USES.value})
    return [
        (other, Reason("shared-phone", str(row.values["phone_number"])))
        for other, row, _ in linked_people(conn, scope, rows, uses, exclude=people)
    ]


def associates(
    conn: Connection,
    scope: Scope,
    entity_id: str,
    *,
    people: Sequence[VisibleRow],
    events: Sequence[Involvement],
    homes: Sequence[VisibleRow],
    vehicles: Sequence[VisibleRow],
    phones: Sequence[VisibleRow],
) -> list[Associate]:
    """The person entity's associates, most reasons first, from the rows the scope shows.

    Args:
        people, homes, vehicles, phones: the person's visible rows and the visible rows they
            link to (homes they reside at, vehicles and phones).
        events: the visible events the person's rows are linked to, with their roles.
    """
    collector = _Collector(conn, entity_id)
    collector.add(_in_events(conn, scope, people, events))
    collector.add(_named(conn, scope, people))
    resides = frozenset({Role.RESIDES_AT.value})
    collector.add(_sharing(conn, scope, "location", people, homes, "same-address", resides))
    collector.add(_sharing(conn, scope, "vehicle", people, vehicles, "shared-vehicle"))
    collector.add(_phones(conn, scope, people, phones))
    return sorted(
        collector.found.values(),
        key=lambda a: (-len(a.reasons), a.display_name or "", a.entity_id),
    )
