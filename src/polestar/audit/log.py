"""Appending to the log: `record` for a domain function that has acted, `record_in` for one
whose action and entry commit in the same transaction (`transaction`).

Appends are serialised (SQLite's single writer, PostgreSQL's advisory lock) so each entry
names the true previous head; the head is checkpointed outside the table once committed.

Every append names its settings (the key and checkpoint live in their data directory): a
store's chain is keyed by one key, so a default of "this process's settings" would chain a
caller's entries for another store under the wrong key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar.audit import checkpoint
from polestar.audit.entries import GENESIS, dumps, parse_entry, payload_hash
from polestar.audit.events import AuditEvent
from polestar.audit.secret import ensure_key
from polestar.settings import Settings
from polestar.store import audit_log

_PENDING = "polestar.audit.pending"


@dataclass
class _Pending:
    """Heads appended in an open transaction, each with the checkpoint its appender found
    intact, to checkpoint once the transaction commits."""

    path: Path
    settings: Settings
    appended: list[tuple[checkpoint.Head, checkpoint.Head | None]] = field(default_factory=list)


def record(engine: Engine, event: AuditEvent, settings: Settings) -> int:
    """Append `event` to the log in a transaction of its own.

    Args:
        engine: the store whose log it joins.
        event: what happened (a `Collection`, `Consultation`, `Disclosure`, …).
        settings: where the key and checkpoint live.

    Returns:
        The entry's sequence number.
    """
    with transaction(engine, settings) as conn:
        return record_in(conn, event, settings)


@contextmanager
def transaction(engine: Engine, settings: Settings) -> Iterator[Connection]:
    """A write transaction for an action and its entries: both commit, or neither.

    Example:
        with audit.transaction(engine, settings) as conn:
            change_something(conn)
            audit.record_in(conn, Alteration(action="review.decide", actor=user, ...))

    The append lock is held from the start to the commit, so keep the transaction short.
    """
    with audit_log.appending(engine) as conn:
        pending = _Pending(checkpoint.checkpoint_path(settings.data_dir, engine), settings)
        conn.info[_PENDING] = pending
        try:
            yield conn
        finally:
            del conn.info[_PENDING]
    for new, checked in pending.appended:
        checkpoint.advance(pending.path, new, checked)


def record_in(conn: Connection, event: AuditEvent, settings: Settings | None = None) -> int:
    """Append `event` within the caller's open transaction on `conn`.

    Inside `transaction` the head is checkpointed when it commits; on any other connection
    the next append checkpoints it (the entry itself is chained either way).

    Args:
        settings: where the key and checkpoint live; by default the enclosing
            `transaction`'s, and required on any other connection.

    Returns:
        The entry's sequence number.
    """
    pending = conn.info.get(_PENDING)
    if not isinstance(pending, _Pending):
        if settings is None:
            raise TypeError("record_in outside audit.transaction needs the store's settings")
        audit_log.lock_for_append(conn)  # `transaction` holds it from its start
    elif settings is None:
        settings = pending.settings
    key = ensure_key(settings.data_dir)
    found = audit_log.head(conn)
    previous = None if found is None else checkpoint.Head(*found)
    path = checkpoint.checkpoint_path(settings.data_dir, conn.engine)
    saved = checkpoint.read_checkpoint(path)
    # Trust the checkpoint only while the entry it names is still in the table.
    intact = saved is None or audit_log.hash_at(conn, saved.seq) == saved.hash
    if intact and previous is not None and (saved is None or saved.seq < previous.seq):
        checkpoint.advance(path, previous, saved)  # committed by an earlier append
    seq = 1 if previous is None else previous.seq + 1
    columns, payload = _columns(event, seq, GENESIS if previous is None else previous.hash)
    entry = parse_entry({**columns, "hash": "0" * 64})
    columns["hash"] = entry.expected_hash(key)
    audit_log.insert(conn, columns, payload)
    if intact and isinstance(pending, _Pending):
        pending.appended.append((checkpoint.Head(seq, columns["hash"]), saved))
    return seq


def _columns(event: AuditEvent, seq: int, prev_hash: str) -> tuple[dict[str, Any], str | None]:
    """The entry's columns (without `hash`) and its payload text, if it has free text."""
    free_text = {
        name: value
        for name, value in (("justification", event.justification), ("query", event.query))
        if value is not None
    }
    payload = dumps(free_text) if free_text else None
    columns: dict[str, Any] = {
        "seq": seq,
        "occurred_at": event.occurred_at,
        "operation": str(event.operation),
        "action": event.action,
        "outcome": str(event.outcome),
        "actor": event.actor,
        "organisation": event.organisation,
        "role": event.role,
        "purpose": event.purpose,
        "run_id": event.run_id,
        "entity_ids": dumps(list(event.entity_ids)),
        "record_ids": dumps(list(event.record_ids)),
        "recipients": dumps(list(event.recipients)),
        "in_results": event.in_results,
        "details": dumps(dict(event.details)),
        "payload_hash": None if payload is None else payload_hash(payload),
        "prev_hash": prev_hash,
    }
    return columns, payload
