"""Golden entities: which records each holds, and where retired ids now point.

An entity id is `<prefix>-<number>`; numbers grow with time, so the smaller number is the
older entity (the one a merge keeps).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.bulk import chunks, insert_many
from polestar.store.tables import entities, entity_changes, entity_members

PREFIXES = {"person": "PER", "vehicle": "VEH", "location": "LOC"}
MemberKey = tuple[int, str]  # (record_id, source_key)


def entity_number(entity_id: str) -> int:
    return int(entity_id.rsplit("-", 1)[1])


def format_entity_id(kind: str, number: int) -> str:
    """Eight digits, so a kind's ids sort as their numbers do (up to 99,999,999 of them)."""
    return f"{PREFIXES[kind]}-{number:08d}"


def current_members(conn: Connection, kind: str) -> dict[MemberKey, str]:
    """Every record of `kind` placed in an entity, and the entity."""
    rows = conn.execute(
        sa.select(
            entity_members.c.record_id, entity_members.c.source_key, entity_members.c.entity_id
        ).where(entity_members.c.kind == kind)
    )
    return {(record_id, key): entity_id for record_id, key, entity_id in rows}


def members_since(conn: Connection, kind: str, run_id: int) -> dict[MemberKey, str]:
    """Records of `kind` placed by runs after `run_id`, and their entities."""
    rows = conn.execute(
        sa.select(
            entity_members.c.record_id, entity_members.c.source_key, entity_members.c.entity_id
        ).where(entity_members.c.kind == kind, entity_members.c.run_id > run_id)
    )
    return {(record_id, key): entity_id for record_id, key, entity_id in rows}


def placed_in(conn: Connection, kind: str, record_ids: Sequence[int]) -> dict[MemberKey, str]:
    """The rows of `kind` of these source records an entity holds, with the entity."""
    found: dict[MemberKey, str] = {}
    m = entity_members.c
    for chunk in chunks(record_ids, 5_000):
        rows = conn.execute(
            sa.select(m.record_id, m.source_key, m.entity_id).where(
                m.kind == kind, m.record_id.in_(chunk)
            )
        )
        found.update(((record_id, key), entity) for record_id, key, entity in rows)
    return found


def members_of(
    conn: Connection, kind: str, entity_ids: Sequence[str]
) -> dict[MemberKey, tuple[str, str]]:
    """Every record the given entities hold: member → (source, entity).

    An entity id names its kind, so the query filters on ids alone: with `kind` too, SQLite
    would read every member of the kind through the primary key instead of the id index.
    """
    found: dict[MemberKey, tuple[str, str]] = {}
    prefix = f"{PREFIXES[kind]}-"
    for chunk in chunks([e for e in entity_ids if e.startswith(prefix)], 5_000):
        rows = conn.execute(
            sa.select(
                entity_members.c.record_id,
                entity_members.c.source_key,
                entity_members.c.source,
                entity_members.c.entity_id,
            ).where(entity_members.c.entity_id.in_(chunk))
        )
        found.update({(row[0], row[1]): (row[2], row[3]) for row in rows})
    return found


def entity_sizes(conn: Connection, entity_ids: Sequence[str]) -> dict[str, int]:
    """How many records each entity holds (its `records` count)."""
    found: dict[str, int] = {}
    for chunk in chunks(entity_ids, 5_000):
        rows = conn.execute(
            sa.select(entities.c.id, entities.c.records).where(entities.c.id.in_(chunk))
        )
        found.update((entity_id, records) for entity_id, records in rows)
    return found


def next_entity_number(conn: Connection, kind: str) -> int:
    """The number the next new entity of `kind` gets: one lookup in the (kind, id) index, as
    ids of a kind have a fixed width (`format_entity_id`), so the greatest sorts last."""
    last = conn.execute(sa.select(sa.func.max(entities.c.id)).where(entities.c.kind == kind))
    found = last.scalar_one()
    return (entity_number(found) if found else 0) + 1


@dataclass
class AssignmentChanges:
    """What a linkage run changes for one kind, written in one transaction."""

    kind: str
    new_entities: list[str]
    retired: list[str]
    changes: list[tuple[str, str, str, int]]  # (old, new, merged|split, records moved)
    placed: list[tuple[MemberKey, str, str]]  # (member, source, entity) new or moved
    moved: list[MemberKey]  # placed members that were in another entity before
    removed: list[MemberKey]
    sizes: dict[str, int]  # records per entity touched


def apply_changes(
    conn: Connection, changes: AssignmentChanges, run_id: int, model_version: int | None
) -> None:
    """Write one kind's new assignment: entities, members, retirements and redirects."""
    new = set(changes.new_entities)
    if new:
        insert_many(
            conn,
            entities,
            [
                {
                    "id": entity_id,
                    "kind": changes.kind,
                    "created_run_id": run_id,
                    "records": changes.sizes.get(entity_id, 0),
                }
                for entity_id in changes.new_entities
            ],
        )
    # Only members that were placed before have a row to delete (none on a first run).
    for members in chunks(changes.removed + changes.moved, 5_000):
        conn.execute(
            entity_members.delete().where(
                entity_members.c.kind == changes.kind,
                sa.tuple_(entity_members.c.record_id, entity_members.c.source_key).in_(members),
            )
        )
    for placements in chunks(changes.placed, 5_000):
        insert_many(
            conn,
            entity_members,
            [
                {
                    "kind": changes.kind,
                    "record_id": member[0],
                    "source_key": member[1],
                    "source": source,
                    "entity_id": entity,
                    "model_version": model_version,
                    "run_id": run_id,
                }
                for member, source, entity in placements
            ],
        )
    resized = [
        {"entity": entity, "size": size}
        for entity, size in changes.sizes.items()
        if entity not in new
    ]
    if resized:
        conn.execute(
            entities.update()
            .where(entities.c.id == sa.bindparam("entity"))
            .values(records=sa.bindparam("size")),
            resized,
        )
    if changes.retired:
        for retired in chunks(changes.retired, 5_000):
            conn.execute(
                entities.update().where(entities.c.id.in_(retired)).values(retired_run_id=run_id)
            )
    if changes.changes:
        conn.execute(
            entity_changes.insert(),
            [
                {"old_id": old, "new_id": new, "reason": reason, "records": n, "run_id": run_id}
                for old, new, reason, n in changes.changes
            ],
        )


def resolve(conn: Connection, entity_id: str) -> str | None:
    """The live entity an id names now, following merges; None if it never existed or emptied."""
    seen: set[str] = set()
    current = entity_id
    while current not in seen:
        seen.add(current)
        row = conn.execute(
            sa.select(entities.c.retired_run_id).where(entities.c.id == current)
        ).first()
        if row is None:
            return None
        if row.retired_run_id is None:
            return current
        target = conn.execute(
            sa.select(entity_changes.c.new_id).where(
                entity_changes.c.old_id == current, entity_changes.c.reason == "merged"
            )
        ).scalar()
        if target is None:
            return None  # retired with no records left
        current = target
    return None


def members(conn: Connection, kind: str) -> Iterator[tuple[str, str, str]]:
    """(source, source_key, entity_id) for every record of `kind`, for export and evaluation."""
    rows = conn.execution_options(stream_results=True, yield_per=50_000).execute(
        sa.select(entity_members.c.source, entity_members.c.source_key, entity_members.c.entity_id)
        .where(entity_members.c.kind == kind)
        .order_by(entity_members.c.source, entity_members.c.source_key)
    )
    yield from ((row.source, row.source_key, row.entity_id) for row in rows)


def entity_count(conn: Connection, kind: str) -> int:
    """Live entities of `kind`."""
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(entities)
            .where(entities.c.kind == kind, entities.c.retired_run_id.is_(None))
        ).scalar_one()
    )


def entity_kind(conn: Connection, entity_id: str) -> tuple[str, bool] | None:
    """An entity's kind and whether it is live, or None if the id never existed."""
    row = conn.execute(
        sa.select(entities.c.kind, entities.c.retired_run_id).where(entities.c.id == entity_id)
    ).first()
    return None if row is None else (row.kind, row.retired_run_id is None)


def entity_members_of(conn: Connection, entity_id: str) -> dict[MemberKey, str]:
    """The records an entity holds now, with their sources."""
    rows = conn.execute(
        sa.select(
            entity_members.c.record_id, entity_members.c.source_key, entity_members.c.source
        ).where(entity_members.c.entity_id == entity_id)
    )
    return {(record_id, key): source for record_id, key, source in rows}


def placed(conn: Connection, kind: str, records: list[MemberKey]) -> dict[MemberKey, str]:
    """The entity each of `records` is in now (records never placed are absent)."""
    found: dict[MemberKey, str] = {}
    for chunk in chunks(sorted(set(records)), 2_000):
        rows = conn.execute(
            sa.select(
                entity_members.c.record_id, entity_members.c.source_key, entity_members.c.entity_id
            ).where(
                entity_members.c.kind == kind,
                sa.tuple_(entity_members.c.record_id, entity_members.c.source_key).in_(chunk),
            )
        )
        found.update({(record_id, key): entity for record_id, key, entity in rows})
    return found


def merged_into(conn: Connection, entity_id: str) -> set[str]:
    """Every id retired, directly or through others, into `entity_id` (itself included)."""
    found = {entity_id}
    frontier = [entity_id]
    while frontier:
        rows = conn.execute(
            sa.select(entity_changes.c.old_id).where(
                entity_changes.c.new_id.in_(frontier), entity_changes.c.reason == "merged"
            )
        ).scalars()
        frontier = [old for old in rows if old not in found]
        found.update(frontier)
    return found


def move_members(
    conn: Connection,
    kind: str,
    records: list[MemberKey],
    old: str,
    new: str,
    reason: str,
    run_id: int,
) -> None:
    """Move `records` from entity `old` to `new` at once (a person's merge or split), keeping
    the entities' sizes and recording the change old → new; `old` is retired if left empty."""
    for chunk in chunks(sorted(records), 2_000):
        conn.execute(
            entity_members.update()
            .where(
                entity_members.c.kind == kind,
                entity_members.c.entity_id == old,
                sa.tuple_(entity_members.c.record_id, entity_members.c.source_key).in_(chunk),
            )
            .values(entity_id=new, run_id=run_id)
        )
    for entity_id in (old, new):
        size = conn.execute(
            sa.select(sa.func.count())
            .select_from(entity_members)
            .where(entity_members.c.entity_id == entity_id)
        ).scalar_one()
        values: dict[str, Any] = {"records": size}
        if size == 0:
            values["retired_run_id"] = run_id
        conn.execute(entities.update().where(entities.c.id == entity_id).values(**values))
    conn.execute(
        entity_changes.insert().values(
            old_id=old, new_id=new, reason=reason, records=len(records), run_id=run_id
        )
    )


def new_entity(conn: Connection, kind: str, run_id: int) -> str:
    """A new, empty entity of `kind` with the next id."""
    entity_id = format_entity_id(kind, next_entity_number(conn, kind))
    conn.execute(
        entities.insert().values(id=entity_id, kind=kind, created_run_id=run_id, records=0)
    )
    return entity_id


def person_rows_named(conn: Connection, source: str, source_key: str) -> bool:
    """Whether any placed person row is `SOURCE:KEY`."""
    found = conn.execute(
        sa.select(entity_members.c.record_id)
        .where(
            entity_members.c.kind == "person",
            entity_members.c.source == source,
            entity_members.c.source_key == source_key,
        )
        .limit(1)
    ).first()
    return found is not None


def entity_of(conn: Connection, kind: str, record_id: int, source_key: str) -> str | None:
    """The entity a record of `kind` is placed in, or None before its first linkage run."""
    return conn.execute(
        sa.select(entity_members.c.entity_id).where(
            entity_members.c.kind == kind,
            entity_members.c.record_id == record_id,
            entity_members.c.source_key == source_key,
        )
    ).scalar()
