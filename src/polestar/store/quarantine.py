"""The quarantine: records that could not be stored, kept raw with the reason, and field warnings.

An entry is identified by its source and the hash of its raw content, so re-reading the same
broken input updates the entry instead of adding another; when a record with the entry's key
lands later (a mapping fix, a corrected export), the entry is marked resolved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from polestar.errors import without_values
from polestar.sources.readers import KEEP_BYTES
from polestar.store.tables import field_warnings, quarantine, source_records

if TYPE_CHECKING:
    from polestar.store.records import Rejection


def canonical_text(raw: Any) -> str:
    """The one text form of a parsed record, for hashing and display."""
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _clip(text: str) -> str:
    """The first 64 KiB of a raw record: the quarantine keeps no more (its `raw_size` says all).

    NUL characters, which no text column holds on PostgreSQL, are shown as U+FFFD.
    """
    clipped = text.encode("utf-8", "surrogateescape")[:KEEP_BYTES].decode("utf-8", "ignore")
    return clipped.replace("\x00", "\ufffd")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _insert(conn: Connection) -> Any:
    dialect = conn.dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(quarantine)


def add(conn: Connection, run_id: int, source: str, rejections: Sequence[Rejection]) -> int:
    """Record rejections (an upsert on source + raw hash); returns how many were recorded."""
    if not rejections:
        return 0
    rows = {}
    for rejection in rejections:
        raw_hash = content_hash(f"{rejection.file}\0{rejection.text}\0{rejection.reason}")
        key = rejection.source_key
        rows[raw_hash] = {
            "source": source,
            "source_key": key if key is None or len(key) <= 256 else None,
            "file": rejection.file,
            "locator": rejection.locator,
            "reason": _fit(rejection.reason, 512),
            "raw": _clip(rejection.text),
            "raw_size": rejection.size,
            "raw_hash": raw_hash,
            "first_run_id": run_id,
            "last_run_id": run_id,
        }
    statement = _insert(conn)
    statement = statement.on_conflict_do_update(
        index_elements=["source", "raw_hash"],
        set_={
            "last_run_id": statement.excluded.last_run_id,
            "locator": statement.excluded.locator,
            "resolved_run_id": None,
        },
    )
    conn.execute(statement, list(rows.values()))
    return len(rejections)


def resolve(conn: Connection, run_id: int, source: str, keys: Sequence[str]) -> None:
    """Mark open entries for keys that have now landed as resolved by this run."""
    if not keys:
        return
    conn.execute(
        quarantine.update()
        .where(
            quarantine.c.source == source,
            quarantine.c.source_key.in_(keys),
            quarantine.c.resolved_run_id.is_(None),
        )
        .values(resolved_run_id=run_id)
    )


@dataclass(frozen=True)
class ReasonCount:
    source: str
    reason: str
    count: int


def open_reasons(conn: Connection) -> list[ReasonCount]:
    """Open quarantine entries counted by source and reason (no raw content)."""
    rows = conn.execute(
        sa.select(quarantine.c.source, quarantine.c.reason, sa.func.count())
        .where(quarantine.c.resolved_run_id.is_(None))
        .group_by(quarantine.c.source, quarantine.c.reason)
        .order_by(quarantine.c.source, sa.func.count().desc())
    )
    return [ReasonCount(source, reason, count) for source, reason, count in rows]


@dataclass(frozen=True)
class QuarantineEntry:
    source: str
    file: str
    locator: str
    reason: str
    source_key: str | None
    raw: str
    raw_size: int


def open_entries(conn: Connection, source: str | None = None) -> list[QuarantineEntry]:
    """Open quarantine entries with their raw content, oldest first."""
    query = sa.select(quarantine).where(quarantine.c.resolved_run_id.is_(None))
    if source:
        query = query.where(quarantine.c.source == source)
    return [
        QuarantineEntry(
            row.source, row.file, row.locator, row.reason, row.source_key, row.raw, row.raw_size
        )
        for row in conn.execute(query.order_by(quarantine.c.id))
    ]


@dataclass(frozen=True)
class FieldWarningEntry:
    source: str
    kind: str
    source_key: str
    field: str
    value: str | None
    reason: str


def current_warnings(
    conn: Connection, limit: int | None = None, *, values: bool = False
) -> list[FieldWarningEntry]:
    """Field warnings on current (not withdrawn) records; their raw values only if asked,
    and their reasons naming the values only then (`errors.without_values`)."""
    query = (
        sa.select(field_warnings)
        .join(source_records, source_records.c.id == field_warnings.c.record_id)
        .where(source_records.c.withdrawn_run_id.is_(None))
        .order_by(field_warnings.c.id)
        .limit(limit)
    )
    return [
        FieldWarningEntry(
            row.source,
            row.kind,
            row.source_key,
            row.field,
            row.value if values else None,
            row.reason if values else without_values(row.reason),
        )
        for row in conn.execute(query)
    ]


def warning_counts(conn: Connection) -> list[ReasonCount]:
    """Field warnings counted by source and field."""
    rows = conn.execute(
        sa.select(field_warnings.c.source, field_warnings.c.field, sa.func.count())
        .group_by(field_warnings.c.source, field_warnings.c.field)
        .order_by(field_warnings.c.source, field_warnings.c.field)
    )
    return [ReasonCount(source, field, count) for source, field, count in rows]
