"""The source records whose rows an ingest replaced since the last batch run.

Linkage placed their old rows. The ingest's linking process places them anew as it goes; one
killed before handing them over, or a linking process that failed, leaves them awaiting
placement, for `link --incremental` or the next batch run. Once placed, they stay listed until
the next batch run, so that a later session's incremental index, built by that run, takes in
their rows as they are now (and forgets the rows their new versions dropped).

Each entry names the ingest run that replaced the rows, and the record's later steps match on
it: a record whose rows are replaced again meanwhile stays awaiting (read the entries before
the rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.bulk import chunks, insert_many
from polestar.store.tables import replaced_rows

Entries = dict[int, int]  # source record id → the ingest run that replaced its rows
_CHUNK = 5_000


def mark(conn: Connection, record_ids: Sequence[int], run_id: int) -> None:
    """List these records as awaiting placement, their rows replaced by ingest `run_id`."""
    if not record_ids:
        return
    conn.execute(replaced_rows.delete().where(replaced_rows.c.record_id.in_(list(record_ids))))
    insert_many(conn, replaced_rows, [{"record_id": rid, "run_id": run_id} for rid in record_ids])


def awaiting(conn: Connection, record_ids: Sequence[int] | None = None) -> Entries:
    """The records (of these, or all) whose rows no linkage run has placed anew yet."""
    query = sa.select(replaced_rows.c.record_id, replaced_rows.c.run_id).where(
        replaced_rows.c.placed_run_id.is_(None)
    )
    if record_ids is None:
        return {row.record_id: row.run_id for row in conn.execute(query)}
    return {
        row.record_id: row.run_id
        for chunk in chunks(record_ids, _CHUNK)
        for row in conn.execute(query.where(replaced_rows.c.record_id.in_(chunk)))
    }


def placed_since_batch(conn: Connection) -> list[int]:
    """The records placed anew since the last batch run."""
    query = sa.select(replaced_rows.c.record_id).where(replaced_rows.c.placed_run_id.is_not(None))
    return sorted(conn.execute(query).scalars())


def every(conn: Connection) -> Entries:
    """Every entry, placed or not: what a batch run about to read the records takes in."""
    query = sa.select(replaced_rows.c.record_id, replaced_rows.c.run_id)
    return {row.record_id: row.run_id for row in conn.execute(query)}


def placed(conn: Connection, entries: Mapping[int, int], run_id: int) -> None:
    """Linkage run `run_id` has placed these records anew (unless replaced again since)."""
    if entries:
        conn.execute(
            replaced_rows.update().where(_entry()).values(placed_run_id=run_id),
            _parameters(entries),
        )


def forget(conn: Connection, entries: Mapping[int, int]) -> None:
    """A batch run has read these records whole (unless replaced again since)."""
    if entries:
        conn.execute(replaced_rows.delete().where(_entry()), _parameters(entries))


def _entry() -> sa.ColumnElement[bool]:
    return sa.and_(
        replaced_rows.c.record_id == sa.bindparam("record"),
        replaced_rows.c.run_id == sa.bindparam("ingest"),
    )


def _parameters(entries: Mapping[int, int]) -> list[dict[str, int]]:
    return [{"record": record_id, "ingest": run_id} for record_id, run_id in entries.items()]
