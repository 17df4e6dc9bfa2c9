"""Tombstones: what disposal leaves of a source record (its name and hash, who, when, why).

Ingest consults them so a disposed record that arrives again is counted `suppressed` and never
stored (CONVENTIONS.md, "Counting ingest"); the check lives here, below ingest, so ingest need
not know about retention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.tables import tombstones

# Keys per IN list: well under SQLite's and PostgreSQL's parameter limits.
_CHUNK = 1000


@dataclass(frozen=True)
class Tombstone:
    """One disposed record, named as CONVENTIONS.md names records."""

    source: str
    source_key: str
    content_hash: str


def disposed_keys(conn: Connection, source: str, keys: Sequence[str]) -> set[str]:
    """Which of `keys` name disposed records of `source`."""
    found: set[str] = set()
    unique = sorted(set(keys))
    for start in range(0, len(unique), _CHUNK):
        found.update(
            conn.execute(
                sa.select(tombstones.c.source_key).where(
                    tombstones.c.source == source,
                    tombstones.c.source_key.in_(unique[start : start + _CHUNK]),
                )
            ).scalars()
        )
    return found


def add_tombstones(
    conn: Connection,
    stones: Iterable[Tombstone],
    *,
    actor: str,
    reason: str,
    at: datetime,
    decision_id: int,
) -> int:
    """Write a tombstone per record; returns how many."""
    rows = [
        {
            "source": stone.source,
            "source_key": stone.source_key,
            "content_hash": stone.content_hash,
            "actor": actor,
            "disposed_at": at,
            "reason": reason,
            "decision_id": decision_id,
        }
        for stone in stones
    ]
    if rows:
        conn.execute(tombstones.insert(), rows)
    return len(rows)
