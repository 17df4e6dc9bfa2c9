"""The search index table, and the scoped reads search builds its results from.

`search_keys` holds, for every placed person, vehicle and location row, the keys search looks
up (`search.keys`) with the record and the entity that holds it now. Looking keys up gives
candidate entities only; every value a result shows — and whether it is shown at all — comes
from `entity_rows`, which applies the viewer's scope in SQL (`visible.visible_rows`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind
from polestar.store.scope import Scope
from polestar.store.tables import (
    entity_members,
    links,
    locations,
    objects,
    persons,
    search_keys,
)
from polestar.store.visible import VisibleRow, table, visible_rows

_BATCH = 20_000
_CHUNK = 2_000
# The entity kinds search finds, with the typed table and the columns their keys come from.
_SOURCES: dict[str, tuple[Kind, sa.Table, tuple[str, ...]]] = {
    "person": (
        Kind.PERSON,
        persons,
        ("forename", "middle_names", "surname", "aliases", "dob"),
    ),
    "vehicle": (Kind.OBJECT, objects, ("vrm",)),
    "location": (Kind.LOCATION, locations, ("lines", "town", "postcode")),
}


@dataclass(frozen=True)
class Placed:
    """A placed typed row, as the index builder reads it."""

    kind: str
    entity_id: str
    record_id: int
    values: dict[str, Any]


def _placed_query(kind: str, where: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
    _, row, columns = _SOURCES[kind]
    conditions = [
        entity_members.c.kind == kind,
        entity_members.c.record_id == row.c.record_id,
        entity_members.c.source_key == row.c.source_key,
    ]
    if kind == "vehicle":
        conditions.append(row.c.object_type == "vehicle")
    if where is not None:
        conditions.append(where)
    return sa.select(entity_members.c.entity_id, row.c.record_id, *(row.c[c] for c in columns))\
        .where(*conditions)  # fmt: skip


def _placed(conn: Connection, query: sa.Select[Any], kind: str) -> Iterator[Placed]:
    for result in conn.execute(query).mappings():
        values = dict(result)
        yield Placed(kind, values.pop("entity_id"), values.pop("record_id"), values)


def all_placed(conn: Connection) -> Iterator[Placed]:
    """Every placed person, vehicle and location row, streamed."""
    for kind in _SOURCES:
        query = _placed_query(kind).execution_options(stream_results=True, yield_per=_BATCH)
        yield from _placed(conn, query, kind)


def placed_in(conn: Connection, record_ids: Sequence[int]) -> list[Placed]:
    """The placed rows of these source records, and every other row of the entities they are
    in (a new record can merge entities, moving rows that were indexed under another id)."""
    found: list[Placed] = []
    for kind in _SOURCES:
        entity_ids: set[str] = set()
        for chunk in _chunks(sorted(set(record_ids))):
            entity_ids.update(
                conn.execute(
                    sa.select(entity_members.c.entity_id).where(
                        entity_members.c.kind == kind, entity_members.c.record_id.in_(chunk)
                    )
                ).scalars()
            )
        for chunk in _chunks(sorted(entity_ids)):
            query = _placed_query(kind, entity_members.c.entity_id.in_(chunk))
            found.extend(_placed(conn, query, kind))
    return found


def stale_record_ids(conn: Connection) -> list[int]:
    """Source records with a placed row the index does not hold under its current entity."""
    key = search_keys.alias()
    indexed = sa.exists().where(
        key.c.record_id == entity_members.c.record_id,
        key.c.entity_id == entity_members.c.entity_id,
    )
    query = (
        sa.select(entity_members.c.record_id)
        .where(entity_members.c.kind.in_(list(_SOURCES)), sa.not_(indexed))
        .distinct()
    )
    return sorted(conn.execute(query).scalars())


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_keys(conn: Connection, rows: Iterable[tuple[str, str, int]]) -> int:
    """Insert (key, entity_id, record_id) rows in batches; returns how many."""
    written = 0
    batch: list[dict[str, Any]] = []
    for key, entity_id, record_id in rows:
        batch.append({"key": key, "entity_id": entity_id, "record_id": record_id})
        if len(batch) >= _BATCH:
            conn.execute(search_keys.insert(), batch)
            written += len(batch)
            batch = []
    if batch:
        conn.execute(search_keys.insert(), batch)
        written += len(batch)
    return written


def delete_records(conn: Connection, record_ids: Iterable[int]) -> None:
    """Drop the keys of these source records."""
    for chunk in _chunks(sorted(set(record_ids))):
        conn.execute(search_keys.delete().where(search_keys.c.record_id.in_(chunk)))


def clear(conn: Connection) -> None:
    """Empty the index and drop its B-trees, so a full rebuild inserts without maintaining
    them (`restore_indexes` builds them once, sorted, at the end)."""
    conn.execute(search_keys.delete())
    for index in search_keys.indexes:
        index.drop(conn)


def restore_indexes(conn: Connection) -> None:
    """Build the index's B-trees after a full rebuild."""
    for index in search_keys.indexes:
        index.create(conn)
    conn.execute(sa.text("ANALYZE search_keys"))


def candidates(
    conn: Connection, groups: Sequence[set[str]], need: int, limit: int
) -> list[tuple[str, int]]:
    """Entities with keys from at least `need` of `groups`, most groups first, then id.

    Args:
        groups: one set of keys per query term; an entity scores one hit per group it has
            any key of.
        need: the fewest groups an entity must hit.
        limit: the most entities returned.
    """
    parts = [
        sa.select(search_keys.c.entity_id, sa.literal(number).label("term"))
        .where(search_keys.c.key.in_(sorted(keys)))
        .distinct()
        for number, keys in enumerate(groups)
        if keys
    ]
    if not parts:
        return []
    union = sa.union_all(*parts).subquery()
    hits = sa.func.count(sa.distinct(union.c.term)).label("hits")
    query = (
        sa.select(union.c.entity_id, hits)
        .group_by(union.c.entity_id)
        .having(hits >= need)
        .order_by(hits.desc(), union.c.entity_id)
        .limit(limit)
    )
    return [(entity_id, int(found)) for entity_id, found in conn.execute(query)]


def entity_rows(
    conn: Connection, scope: Scope, kind: str, entity_ids: Sequence[str]
) -> dict[str, list[VisibleRow]]:
    """The rows of these entities `scope` shows, redacted, by entity; an entity none of whose
    rows is visible is absent."""
    pole_kind, row, _ = _SOURCES[kind]
    if not entity_ids or not scope.grants_for(pole_kind):
        return {}
    member = entity_members.alias()
    found: dict[str, list[VisibleRow]] = defaultdict(list)
    for chunk in _chunks(sorted(set(entity_ids)), 500):
        owner = {
            (record_id, key): entity_id
            for record_id, key, entity_id in conn.execute(
                sa.select(member.c.record_id, member.c.source_key, member.c.entity_id).where(
                    member.c.kind == kind, member.c.entity_id.in_(chunk)
                )
            )
        }
        if not owner:
            continue
        where = sa.and_(
            row.c.record_id.in_(sorted({record_id for record_id, _ in owner})),
            sa.exists().where(
                member.c.kind == kind,
                member.c.record_id == row.c.record_id,
                member.c.source_key == row.c.source_key,
                member.c.entity_id.in_(chunk),
            ),
        )
        for visible in visible_rows(conn, scope, pole_kind, where):
            entity_id = owner.get((visible.record_id, visible.source_key))
            if entity_id is not None:
                found[entity_id].append(visible)
    return dict(found)


def linked_people(
    conn: Connection, scope: Scope, rows: Sequence[VisibleRow], object_type: str | None = None
) -> list[tuple[VisibleRow, str]]:
    """Visible person rows linked to any of `rows` within their own source records, each with
    its entity (`object_type` names the link kind of object rows: `vehicle`, `phone`)."""
    if not rows or not scope.grants_for(Kind.PERSON):
        return []
    target = object_type or rows[0].kind.value
    pairs = sorted({(row.record_id, row.source_key) for row in rows})
    member = entity_members.alias()
    linked = sa.exists().where(
        links.c.record_id == persons.c.record_id,
        links.c.from_kind == Kind.PERSON.value,
        links.c.from_key == persons.c.source_key,
        links.c.to_kind == target,
        sa.tuple_(links.c.record_id, links.c.to_key).in_(pairs),
    )
    within = persons.c.record_id.in_(sorted({record_id for record_id, _ in pairs}))
    people = visible_rows(conn, scope, Kind.PERSON, sa.and_(within, linked))
    if not people:
        return []
    owner = {
        (record_id, key): entity_id
        for record_id, key, entity_id in conn.execute(
            sa.select(member.c.record_id, member.c.source_key, member.c.entity_id).where(
                member.c.kind == Kind.PERSON.value,
                sa.tuple_(member.c.record_id, member.c.source_key).in_(
                    sorted({(p.record_id, p.source_key) for p in people})
                ),
            )
        )
    }
    return [
        (person, owner[person.record_id, person.source_key])
        for person in people
        if (person.record_id, person.source_key) in owner
    ]


def phones(conn: Connection, scope: Scope, number: str) -> list[VisibleRow]:
    """Visible phone rows holding this E.164 number (the column has its own index)."""
    return visible_rows(
        conn,
        scope,
        Kind.OBJECT,
        sa.and_(objects.c.object_type == "phone", objects.c.phone_number == number),
    )


def record_events(conn: Connection, scope: Scope, record_ids: Sequence[int]) -> list[VisibleRow]:
    """Visible events of these source records (when a vehicle or a place was last seen)."""
    if not record_ids or not scope.grants_for(Kind.EVENT):
        return []
    return visible_rows(
        conn, scope, Kind.EVENT, table(Kind.EVENT).c.record_id.in_(sorted(set(record_ids)))
    )
