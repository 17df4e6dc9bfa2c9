"""People linked to things: the visible person rows at the `from` end of links to visible
rows (a vehicle's users, a place's residents, an event's suspects and victims), grouped by
the person entity each row is placed in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from polestar.pole.names import full_name
from polestar.pole.vocabularies import Kind
from polestar.store import neighbours
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

Linked = tuple[VisibleRow, VisibleRow, frozenset[str]]  # (person row, thing row, roles)


def linked_people(
    conn: Connection,
    scope: Scope,
    things: Sequence[VisibleRow],
    roles: frozenset[str] | None = None,
    exclude: Sequence[VisibleRow] = (),
) -> list[Linked]:
    """(visible person row, visible thing row, the person's roles) for each person row linked
    to one of `things` (with one of `roles`) within their source record, but the `exclude`d."""
    others = neighbours.linked(
        conn, scope, Kind.PERSON, things, "from", roles, exclude=[row.key for row in exclude]
    )
    roles_of: dict[tuple[int, str, str, str], set[str]] = {}
    found_links = neighbours.links_within(
        conn,
        {other.record_id for other in others},
        [Kind.PERSON.value],
        {thing.link_kind for thing in things},
    )
    for link in found_links:
        if link.from_kind == Kind.PERSON.value:
            key = (link.record_id, link.from_key, link.to_kind, link.to_key)
            roles_of.setdefault(key, set()).add(link.role)
    things_in: dict[int, list[VisibleRow]] = {}
    for thing in things:
        things_in.setdefault(thing.record_id, []).append(thing)
    found = []
    for other in others:
        for thing in things_in.get(other.record_id, ()):
            key = (other.record_id, other.source_key, thing.link_kind, thing.source_key)
            their = roles_of.get(key, set())
            if roles is not None:
                their &= roles
            if their:
                found.append((other, thing, frozenset(their)))
    return found


@dataclass
class Person:
    """A person entity linked to a thing: its name as the visible rows give it, its roles."""

    entity_id: str
    display_name: str | None = None
    roles: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "display_name": self.display_name,
            "roles": sorted(self.roles),
            "records": sorted(self.records),
        }


def by_entity(conn: Connection, found: Iterable[Linked]) -> list[Person]:
    """The linked person rows grouped by their person entity (unplaced rows are left out)."""
    found = list(found)
    placed = neighbours.placed_in(conn, "person", [person for person, _, _ in found])
    people: dict[str, Person] = {}
    for row, _, roles in found:
        if (entity := placed.get(row.key)) is None:
            continue
        person = people.setdefault(entity, Person(entity))
        person.display_name = person.display_name or full_name(row.values)
        person.roles |= roles
        person.records.add(row.name)
    return sorted(people.values(), key=lambda p: (p.display_name or "", p.entity_id))
