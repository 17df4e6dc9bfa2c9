"""SQL of the audit log: appending under the writer lock, and reading raw rows back.

Rows are read without SQLAlchemy's type processing (`_raw`), so a value someone corrupted in
the table reaches `polestar.audit` to be reported as unreadable instead of failing the fetch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from polestar.store.tables import audit_entries, audit_payloads
from polestar.store.writer import writing

# PostgreSQL serialises appends with a transaction-scoped advisory lock on this number.
_APPEND_LOCK = int.from_bytes(hashlib.sha256(b"polestar.audit").digest()[:8], "big", signed=True)


@contextmanager
def appending(engine: Engine) -> Iterator[Connection]:
    """A write transaction that holds the right to append until it commits.

    SQLite's writer lock is taken at once (`writer.writing`), so the head read next is still
    the head when the entry is written; PostgreSQL takes an advisory lock (`lock_for_append`).
    """
    with writing(engine) as conn:
        lock_for_append(conn)
        yield conn


def lock_for_append(conn: Connection) -> None:
    """Hold the append lock until `conn`'s transaction ends (a no-op on SQLite, whose single
    writer lock does the same once the transaction writes)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_APPEND_LOCK)))


def head(conn: Connection) -> tuple[int, str] | None:
    """The newest entry's sequence number and hash, or None for an empty log."""
    row = conn.execute(
        sa.select(audit_entries.c.seq, audit_entries.c.hash)
        .order_by(audit_entries.c.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.seq, row.hash)


def hash_at(conn: Connection, seq: int) -> str | None:
    """The stored hash of entry `seq`, or None when there is no such entry."""
    value = conn.execute(sa.select(audit_entries.c.hash).where(audit_entries.c.seq == seq))
    return value.scalar_one_or_none()


def insert(conn: Connection, columns: Mapping[str, Any], payload: str | None) -> None:
    """Write one entry, and its payload row when it has one."""
    conn.execute(audit_entries.insert().values(**columns))
    if payload is not None:
        conn.execute(audit_payloads.insert().values(seq=columns["seq"], text=payload))


def _raw(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[Any]:
    return sa.type_coerce(column, sa.types.NullType()).label(name)


_ENTRY = [_raw(column, column.name) for column in audit_entries.c]
_WITH_PAYLOAD = [
    *_ENTRY,
    _raw(audit_payloads.c.seq, "payload_seq"),
    _raw(audit_payloads.c.text, "payload_text"),
]


def rows(
    conn: Connection,
    where: sa.ColumnElement[bool] | None = None,
    *,
    payloads: bool = False,
    newest_first: bool = False,
) -> Iterator[Mapping[str, Any]]:
    """Raw entry rows in sequence order, streamed (with their payload columns if asked)."""
    query = sa.select(*(_WITH_PAYLOAD if payloads else _ENTRY))
    if payloads:
        query = query.select_from(
            audit_entries.outerjoin(audit_payloads, audit_payloads.c.seq == audit_entries.c.seq)
        )
    if where is not None:
        query = query.where(where)
    order = audit_entries.c.seq.desc() if newest_first else audit_entries.c.seq
    # Options of this statement only: `Connection.execution_options` would keep streaming on
    # for whatever the caller runs next on the connection (an UPDATE cannot stream).
    result = conn.execute(
        query.order_by(order), execution_options={"stream_results": True, "yield_per": 1000}
    )
    for row in result:
        yield row._asdict()


def mentioning(identifier_json: str) -> sa.ColumnElement[bool]:
    """Entries whose entity or record ids include the identifier (given as its JSON form);
    a prefilter: callers check the parsed lists."""
    return sa.or_(
        audit_entries.c.entity_ids.contains(identifier_json, autoescape=True),
        audit_entries.c.record_ids.contains(identifier_json, autoescape=True),
    )


def mentioning_any(identifier_jsons: Collection[str]) -> sa.ColumnElement[bool]:
    """Entries that may name any of the identifiers (see `mentioning`)."""
    return sa.or_(*(mentioning(identifier) for identifier in identifier_jsons))


def by_actor(actor: str) -> sa.ColumnElement[bool]:
    """Entries of one actor."""
    return audit_entries.c.actor == actor


def since(moment: datetime) -> sa.ColumnElement[bool]:
    """Entries at or after a UTC moment."""
    return audit_entries.c.occurred_at >= moment


def consultations_per_actor(
    conn: Connection, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """How many consultation entries each actor made in [start, end), most first."""
    count = sa.func.count().label("lookups")
    query = (
        sa.select(audit_entries.c.actor, count)
        .where(
            audit_entries.c.operation == "consultation",
            audit_entries.c.occurred_at >= start,
            audit_entries.c.occurred_at < end,
        )
        .group_by(audit_entries.c.actor)
        .order_by(count.desc(), audit_entries.c.actor)
    )
    return [(row.actor, row.lookups) for row in conn.execute(query)]


def blank_payloads(conn: Connection, before: datetime, at: datetime) -> int:
    """Blank the text of payloads whose entries are older than `before`; returns how many."""
    older = sa.select(audit_entries.c.seq).where(audit_entries.c.occurred_at < before)
    result = conn.execute(
        audit_payloads.update()
        .where(audit_payloads.c.seq.in_(older), audit_payloads.c.text.is_not(None))
        .values(text=None, blanked_at=at)
    )
    return result.rowcount


def blank_payloads_at(conn: Connection, seqs: Collection[int], at: datetime) -> int:
    """Blank the free text of these audit entries' payloads (their hashes stay in the chain)."""
    if not seqs:
        return 0
    result = conn.execute(
        audit_payloads.update()
        .where(audit_payloads.c.seq.in_(list(seqs)), audit_payloads.c.text.is_not(None))
        .values(text=None, blanked_at=at)
    )
    return int(result.rowcount)
