"""The link that joined each placed person record: its strongest scored pair within its entity.

Written with the placement by every batch run (the previous run's rows are replaced), and by
linkage on arrival for the records it places, so a profile can show why a record is where it
is without re-scoring (issue 5).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.bulk import chunks, insert_many
from polestar.store.tables import person_joins, source_records

# (record_id, source_key, other_record_id, other_source_key, match_weight, match_probability)
JoinRow = tuple[int, str, int, str, float, float]
_CHUNK = 5_000


@dataclass(frozen=True)
class StoredJoin:
    """The pair that joined a record: the other record (`SOURCE:KEY`) and its scores."""

    other: str
    match_weight: float
    match_probability: float
    model_version: int
    run_id: int


def replace_joins(
    conn: Connection, rows: Iterable[JoinRow], run_id: int, model_version: int | None
) -> int:
    """Make the stored joins exactly `rows` (a run's placement is complete); returns how many
    rows were written. Only changed joins are rewritten: between runs nearly all stay the same,
    and a million rewritten rows would cost a noticeable share of the run."""
    wanted = {(row[0], row[1]): (*row, model_version) for row in rows}
    stored = {
        (row[0], row[1]): tuple(row)
        for row in conn.execute(
            sa.select(
                person_joins.c.record_id,
                person_joins.c.source_key,
                person_joins.c.other_record_id,
                person_joins.c.other_source_key,
                person_joins.c.match_weight,
                person_joins.c.match_probability,
                person_joins.c.model_version,
            )
        )
    }
    stale = [key for key, row in stored.items() if wanted.get(key) != row]
    fresh = [row for key, row in wanted.items() if stored.get(key) != row]
    for keys in chunks(stale, _CHUNK):
        conn.execute(
            person_joins.delete().where(
                sa.tuple_(person_joins.c.record_id, person_joins.c.source_key).in_(keys)
            )
        )
    _insert(conn, (row[:6] for row in fresh), run_id, model_version)
    return len(fresh)


def place_joins(
    conn: Connection,
    joins: tuple[Sequence[JoinRow], Sequence[JoinRow]],
    replaced: Collection[tuple[int, str]],
    run_id: int,
    model_version: int,
) -> None:
    """Store the joins of a placement on arrival (`linkage.incremental.arrival_joins`), as a
    batch run's placement stores its own: the arrivals' (whatever joins their rows had go
    first: `replaced`, a changed record's rows, placed anew or dropped, and any of the rows
    placed), and each pair offered to a record already placed, where it has no join or a
    weaker one."""
    placed, offered = joins
    # Read by the primary key's first column: SQLite reads a row-value IN list by scanning,
    # and with IN lists on both columns probes every pair of them (a chunk of 20,000 records
    # took 18 s more at 1M).
    stored = {
        (row.record_id, row.source_key): row.match_weight
        for chunk in chunks(sorted({row[0] for row in (*placed, *offered)}), _CHUNK)
        for row in conn.execute(
            sa.select(
                person_joins.c.record_id, person_joins.c.source_key, person_joins.c.match_weight
            ).where(person_joins.c.record_id.in_(chunk))
        )
    }
    taken = [row for row in offered if row[4] > stored.get((row[0], row[1]), -math.inf)]
    gone = [
        {"record": record_id, "key": key}
        for record_id, key in {
            *replaced,
            *((row[0], row[1]) for row in (*placed, *taken) if row[:2] in stored),
        }
    ]
    if gone:
        conn.execute(
            person_joins.delete().where(
                person_joins.c.record_id == sa.bindparam("record"),
                person_joins.c.source_key == sa.bindparam("key"),
            ),
            gone,
        )
    _insert(conn, [*placed, *taken], run_id, model_version)


def _insert(
    conn: Connection, rows: Iterable[JoinRow], run_id: int, model_version: int | None
) -> None:
    for chunk in chunks(rows, _CHUNK):
        insert_many(
            conn,
            person_joins,
            [
                {
                    "record_id": record_id,
                    "source_key": key,
                    "other_record_id": other_id,
                    "other_source_key": other_key,
                    "match_weight": weight,
                    "match_probability": probability,
                    "model_version": model_version,
                    "run_id": run_id,
                }
                for record_id, key, other_id, other_key, weight, probability in chunk
            ],
        )


def join_of(conn: Connection, record_id: int, source_key: str) -> StoredJoin | None:
    """The stored join of one person record, or None (a record alone, or not yet linked)."""
    row = conn.execute(
        sa.select(
            source_records.c.source,
            person_joins.c.other_source_key,
            person_joins.c.match_weight,
            person_joins.c.match_probability,
            person_joins.c.model_version,
            person_joins.c.run_id,
        )
        .join(source_records, source_records.c.id == person_joins.c.other_record_id)
        .where(person_joins.c.record_id == record_id, person_joins.c.source_key == source_key)
    ).first()
    if row is None:
        return None
    return StoredJoin(
        f"{row.source}:{row.other_source_key}",
        row.match_weight,
        row.match_probability,
        row.model_version,
        row.run_id,
    )


def joins_of(
    conn: Connection, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], tuple[tuple[int, str], StoredJoin]]:
    """The stored joins of several person records at once: each record's (record_id,
    source_key) → the other record's (record_id, source_key) and the join. A caller showing
    them checks the other record is one it may show."""
    wanted = set(keys)
    found: dict[tuple[int, str], tuple[tuple[int, str], StoredJoin]] = {}
    for chunk in chunks(sorted({record_id for record_id, _ in wanted}), _CHUNK):
        # By the primary key's first column: SQLite reads a row-value IN list by scanning.
        rows = conn.execute(
            sa.select(
                person_joins.c.record_id,
                person_joins.c.source_key,
                person_joins.c.other_record_id,
                person_joins.c.other_source_key,
                source_records.c.source,
                person_joins.c.match_weight,
                person_joins.c.match_probability,
                person_joins.c.model_version,
                person_joins.c.run_id,
            )
            .join(source_records, source_records.c.id == person_joins.c.other_record_id)
            .where(person_joins.c.record_id.in_(chunk))
        )
        for row in rows:
            if (row.record_id, row.source_key) not in wanted:
                continue
            found[row.record_id, row.source_key] = (
                (row.other_record_id, row.other_source_key),
                StoredJoin(
                    f"{row.source}:{row.other_source_key}",
                    row.match_weight,
                    row.match_probability,
                    row.model_version,
                    row.run_id,
                ),
            )
    return found
