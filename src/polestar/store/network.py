"""What a network walk reads: entities' source records, and those records as a viewer sees them.

Every tie between two entities lies within one source record (links are kept per record), so a
walk reads whole records, not rows: an entity's records by the members' entity index, then the
visible rows of those records by each kind's unique `(record_id, source_key)` index, and their
links by `ix_links_record_id`. Three indexed probes per chunk of records, whatever the size of
the store; the Scope's clause rides on each (premise 2), so an invisible row is never read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind, ObjectType
from polestar.store import entities as entity_store
from polestar.store.bulk import chunks
from polestar.store.scope import Scope
from polestar.store.tables import entity_members, links, objects, source_records
from polestar.store.visible import VisibleRow, table, visible_rows

# The fields a walk needs of each kind: what labels a node (a name, a plate, an address), the
# number that ties phones, and when an event happened. Nothing else is read.
WALK_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.PERSON: frozenset({"forename", "middle_names", "surname"}),
    Kind.OBJECT: frozenset({"vrm", "phone_number"}),
    Kind.LOCATION: frozenset({"lines", "town", "postcode", "description"}),
    Kind.EVENT: frozenset({"occurred_at", "category"}),
}
# Records read at a time: a walk checks its node budget between chunks, so a walk that fills
# up on a busy street stops after a few hundred records, not thousands.
CHUNK = 250
# The objects a walk steps between (vehicles) or ties people by (phones); weapons and property
# are not read.
_OBJECT_TYPES = (ObjectType.VEHICLE.value, ObjectType.PHONE.value)
# The kinds of entity a walk steps between (`entity_members.kind`, also how links name them).
NODE_KINDS = ("person", "vehicle", "location")


def live_entity(conn: Connection, entity_id: str) -> tuple[str, str] | None:
    """(the live entity an id names now, its kind); None for an id that never existed."""
    current = entity_store.resolve(conn, entity_id)
    if current is None:
        return None
    found = entity_store.entity_kind(conn, current)
    return None if found is None else (current, found[0])


def entity_records(
    conn: Connection, entity_ids: Sequence[str], sources: Iterable[str] | None = None
) -> list[int]:
    """The source records holding a member of these entities (from `sources` only, if given),
    newest first."""
    found: set[int] = set()
    ids = sorted(set(entity_ids))
    for chunk in chunks(ids, CHUNK):
        conditions = [entity_members.c.entity_id.in_(chunk)]
        if sources is not None:
            conditions.append(entity_members.c.source.in_(sorted(set(sources))))
        found.update(
            conn.execute(sa.select(entity_members.c.record_id).where(*conditions)).scalars()
        )
    return sorted(found, reverse=True)


def record_rows(
    conn: Connection, scope: Scope, record_ids: Sequence[int], dated: bool = True
) -> list[VisibleRow]:
    """Every row of these source records that `scope` shows (of objects, vehicles and phones),
    with only the fields a walk needs (`WALK_FIELDS`); without `dated`, not when events
    happened (only a date filter asks, and each time read costs more than the row)."""
    found: list[VisibleRow] = []
    ids = sorted(set(record_ids))
    for chunk in chunks(ids, CHUNK):
        for kind, fields in WALK_FIELDS.items():
            where: sa.ColumnElement[bool] = table(kind).c.record_id.in_(chunk)
            if kind is Kind.OBJECT:
                where = sa.and_(where, objects.c.object_type.in_(_OBJECT_TYPES))
            wanted = fields if dated else fields - {"occurred_at"}
            found.extend(visible_rows(conn, scope, kind, where, only=wanted))
    return found


def placed(conn: Connection, record_ids: Sequence[int]) -> dict[tuple[str, int, str], str]:
    """The entity each person, vehicle and location row of these records is placed in, keyed
    as links name rows: (kind, record_id, source_key)."""
    found: dict[tuple[str, int, str], str] = {}
    ids = sorted(set(record_ids))
    for chunk in chunks(ids, CHUNK):
        # By the members' primary key (kind, record_id, source_key).
        rows = conn.execute(
            sa.select(
                entity_members.c.kind,
                entity_members.c.record_id,
                entity_members.c.source_key,
                entity_members.c.entity_id,
            ).where(
                entity_members.c.kind.in_(NODE_KINDS),
                entity_members.c.record_id.in_(chunk),
            )
        )
        found.update({(kind, record, key): entity for kind, record, key, entity in rows})
    return found


def record_names(conn: Connection, record_ids: Sequence[int]) -> dict[int, str]:
    """Each source record's `SOURCE:KEY`, by id: the evidence a tie names."""
    found: dict[int, str] = {}
    ids = sorted(set(record_ids))
    for chunk in chunks(ids, CHUNK):
        rows = conn.execute(
            sa.select(
                source_records.c.id, source_records.c.source, source_records.c.source_key
            ).where(source_records.c.id.in_(chunk))
        )
        found.update({record_id: f"{source}:{key}" for record_id, source, key in rows})
    return found


def phone_users(conn: Connection, numbers: Sequence[str]) -> list[tuple[int, str, str, str]]:
    """Each phone row with one of these numbers that a person row is linked to, as (record_id,
    the phone row's key, its number, the person's entity): keys only, for finding candidate
    records, which a caller then reads through its Scope (a row that is not visible there is
    never used). One query: the numbers' phone rows by `objects.phone_number`, their links by
    `ix_links_record_id`, the linked rows' members by their primary key."""
    found: list[tuple[int, str, str, str]] = []
    wanted = sorted(set(numbers))
    for chunk in chunks(wanted, CHUNK):
        rows = conn.execute(
            sa.select(
                objects.c.record_id,
                objects.c.source_key,
                objects.c.phone_number,
                entity_members.c.kind,
                entity_members.c.entity_id,
            )
            .join(
                links,
                sa.and_(
                    links.c.record_id == objects.c.record_id,
                    links.c.to_kind == ObjectType.PHONE.value,
                    links.c.to_key == objects.c.source_key,
                ),
            )
            .join(
                # The member's kind is the link's, not a constant: given `kind = 'person'`,
                # SQLite (without statistics) would start from every person member.
                entity_members,
                sa.and_(
                    entity_members.c.kind == links.c.from_kind,
                    entity_members.c.record_id == links.c.record_id,
                    entity_members.c.source_key == links.c.from_key,
                ),
            )
            .where(
                objects.c.phone_number.in_(chunk),
                objects.c.object_type == ObjectType.PHONE.value,
            )
        )
        found.extend(
            (record_id, key, number, user)
            for record_id, key, number, kind, user in rows
            if kind == Kind.PERSON.value
        )
    return found
