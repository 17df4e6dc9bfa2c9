"""Source records: writing a chunk of mapped records as versions, typed rows and links.

A chunk is written in one transaction, so a crash loses at most the chunk in flight and a
re-run writes it again: the store after a killed-and-repeated run holds the same versions,
typed rows, links and quarantine entries as after an uninterrupted one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.errors import without_values
from polestar.sources.engine import FieldWarning, MappedSourceRecord
from polestar.store import quarantine as quarantine_store
from polestar.store import replaced_rows, search_index
from polestar.store.bulk import insert_many
from polestar.store.tables import (
    POLE_TABLES,
    field_warnings,
    links,
    record_versions,
    source_records,
)
from polestar.store.tombstones import disposed_keys

_TABLE_COLUMNS = {
    kind: [c.name for c in table.columns if c.name != "id"] for kind, table in POLE_TABLES.items()
}
# The longest text each typed column holds: PostgreSQL refuses more (SQLite would not notice).
_WIDTHS = {
    kind: {
        c.name: c.type.length
        for c in table.columns
        if isinstance(c.type, sa.String) and c.type.length is not None
    }
    for kind, table in POLE_TABLES.items()
}
KEY_WIDTH = 256
_DUPLICATE = "its source key appears more than once in this input; the first occurrence was kept"
_ROLE_WIDTH = 32


@dataclass(frozen=True)
class Landing:
    """A source record that mapped cleanly, ready to store."""

    source_key: str
    content_hash: str
    raw: dict[str, Any]
    file: str
    locator: str
    mapped: MappedSourceRecord


@dataclass(frozen=True)
class Rejection:
    """A source record that cannot be stored, with the reason a person can act on."""

    file: str
    locator: str
    reason: str
    text: str
    size: int
    source_key: str | None = None


@dataclass
class WarnedField:
    """How many values of one (kind, field) were left out as `FieldWarning.left_out` says,
    and the first one's reason without the value it names (the summary goes to stderr and on
    into logs: a PNC ID or a date of birth stays in the store, `quarantine list --raw`)."""

    count: int
    example: str

    @classmethod
    def first(cls, warning: FieldWarning) -> WarnedField:
        return cls(0, without_values(warning.reason))


@dataclass
class ChunkResult:
    """What one chunk did, in CONVENTIONS.md's ingest counts."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    # Of `unchanged`: rows another mapping or Polestar made, which this one changes.
    remapped: int = 0
    quarantined: int = 0
    suppressed: int = 0
    rows_written: int = 0
    record_ids: list[int] = field(default_factory=list)
    warned: dict[tuple[str, str], WarnedField] = field(default_factory=dict)


def _overflow(kind: str, key: str, field: str, value: str, width: int) -> FieldWarning:
    reason = f"{len(value):,} characters, more than the {width} the store holds for it"
    return FieldWarning(kind, key, field, value, reason)


@dataclass(frozen=True)
class _Projection:
    """The rows one version maps to: typed rows, links and field warnings, each row without
    the record's id until it is written (a new record has none before), and their digest."""

    typed: dict[str, list[dict[str, Any]]]
    links: list[dict[str, Any]]
    warnings: list[FieldWarning]
    # What the rows hold (`source_records.rows_digest`), so a record mapped again to the rows
    # it has is left alone.
    digest: str


def _digest(typed: Any, links: Any, warnings: Any) -> str:
    """A digest of rows whose values are text, numbers, dates and the JSON a mapping gives:
    their `repr` is the same in every process. A JSON object with its keys in another order
    reads as other rows, which costs a rewrite, never a stale row."""
    text = repr((typed, links, warnings))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _projected(source: str, mapped: MappedSourceRecord) -> _Projection:
    """The rows one version maps to; a value too long for its column is left out with a
    warning (premise 7: a bad optional value never costs the record)."""
    warnings = list(mapped.warnings)
    typed = _typed_rows(source, mapped, warnings)
    link_rows: list[dict[str, Any]] = []
    for link in mapped.links:
        if len(link.role) > _ROLE_WIDTH:
            warnings.append(
                _overflow(link.from_kind, link.from_key, "role", link.role, _ROLE_WIDTH)
            )
            continue
        link_rows.append(
            {
                "source": source,
                "from_kind": link.from_kind,
                "from_key": link.from_key,
                "role": link.role,
                "to_kind": link.to_kind,
                "to_key": link.to_key,
            }
        )
    return _Projection(typed, link_rows, warnings, _digest(typed, link_rows, warnings))


def _typed_rows(
    source: str, mapped: MappedSourceRecord, warnings: list[FieldWarning]
) -> dict[str, list[dict[str, Any]]]:
    """The typed rows of one version, without their record's id; a value too long for its
    column is left out with a warning in `warnings`."""
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in POLE_TABLES}
    for record in mapped.records:
        kind = record.kind.value
        row = dict.fromkeys(_TABLE_COLUMNS[kind])
        row.update(record.values)
        widths = _WIDTHS[kind]
        for name, value in record.values.items():
            width = widths.get(name)
            if width is not None and isinstance(value, str) and len(value) > width:
                warnings.append(_overflow(record.record_kind, record.key, name, value, width))
                row[name] = None
        row.update(
            source=source,
            source_key=record.key,
            attributes=record.attributes or None,
        )
        if kind == "person":
            row["wanted"] = bool(row["wanted"])
            row["missing"] = bool(row["missing"])
        elif kind == "object":
            row["object_type"] = record.subtype
        elif kind == "event":
            row["event_type"] = record.subtype
        rows[kind].append(row)
    return rows


def _existing(conn: Connection, source: str, keys: Sequence[str]) -> dict[str, Any]:
    found = conn.execute(
        sa.select(
            source_records.c.id,
            source_records.c.source_key,
            source_records.c.content_hash,
            source_records.c.mapping_digest,
            source_records.c.rows_digest,
            source_records.c.current_version,
            source_records.c.last_run_id,
        ).where(source_records.c.source == source, source_records.c.source_key.in_(keys))
    )
    return {row.source_key: row for row in found}


def write_chunk(
    conn: Connection,
    run_id: int,
    source: str,
    landings: Sequence[Landing],
    rejections: Sequence[Rejection],
    mapping_digest: str,
) -> ChunkResult:
    """Write one chunk of a source's records inside the caller's transaction.

    A key seen earlier in the same run is quarantined as a duplicate (the first occurrence
    stands), which keeps a re-run of the same input from making new versions. An unchanged
    record whose rows another mapping made (`mapping_digest`) gets the rows of this one, in
    the same version, and is handed on as `remapped`, unless they are the rows it holds.
    """
    now = datetime.now(UTC)
    result = ChunkResult()
    landings, rejections = _without_disposed(conn, source, landings, rejections, result)
    existing = _existing(conn, source, [landing.source_key for landing in landings])
    rejections = list(rejections)
    new: list[Landing] = []
    changed: list[tuple[Landing, Any]] = []
    other_mapping: list[tuple[Landing, Any]] = []
    unchanged_ids: list[int] = []
    seen: set[str] = set()
    for landing in landings:
        current = existing.get(landing.source_key)
        too_long = _long_key(landing.mapped)
        if too_long is not None:
            rejections.append(_rejection(landing, too_long))
            continue
        if landing.source_key in seen or (current is not None and current.last_run_id == run_id):
            rejections.append(_rejection(landing, _DUPLICATE))
            continue
        seen.add(landing.source_key)
        if current is None:
            new.append(landing)
        elif current.content_hash != landing.content_hash:
            changed.append((landing, current))
        elif current.mapping_digest != mapping_digest:
            other_mapping.append((landing, current))
        else:
            unchanged_ids.append(current.id)

    remapped, same = _by_rows(source, other_mapping)
    _seen_again(conn, run_id, unchanged_ids)
    # Mapped again to the rows they hold: the digest of the mapping moves on, nothing else.
    _seen_again(conn, run_id, [current.id for _, current, _ in same], mapping_digest)
    result.unchanged = len(unchanged_ids) + len(same)
    # A change only in what no mapping reads (an export's own "last updated" column) makes a
    # version, not rows: the record keeps its rows, their ids, its search keys and its place.
    moved, held = _by_rows(source, changed)
    versioned = [*moved, *held]
    reprojected = [current.id for _, current, _ in (*moved, *remapped)]
    if reprojected:
        _delete_projection(conn, reprojected)
        # Its search keys go with its old values: until re-indexed (by the ingest's indexing
        # process, or `polestar link`) it has none, which is how `stale_record_ids` finds it.
        search_index.delete_record_keys(conn, reprojected)
        # Its place in linkage is its old rows': until placed anew, it says so.
        replaced_rows.mark(conn, reprojected, run_id)

    versions: list[dict[str, Any]] = []
    stored: list[tuple[int, _Projection]] = []
    if new:
        projected = [_projected(source, landing.mapped) for landing in new]
        inserted = conn.execute(
            sa.insert(source_records).returning(source_records.c.id, sort_by_parameter_order=True),
            [
                {
                    "source": source,
                    "source_key": landing.source_key,
                    "current_version": 1,
                    "content_hash": landing.content_hash,
                    "mapping_digest": mapping_digest,
                    "rows_digest": projection.digest,
                    "first_run_id": run_id,
                    "last_run_id": run_id,
                }
                for landing, projection in zip(new, projected, strict=True)
            ],
        )
        for record_id, landing, projection in zip(inserted.scalars(), new, projected, strict=True):
            stored.append((record_id, projection))
            versions.append(_version(record_id, 1, landing, run_id, now))
        result.new = len(new)
        result.rows_written += len(new)
    if changed:
        conn.execute(
            source_records.update()
            .where(source_records.c.id == sa.bindparam("record_id"))
            .values(
                current_version=sa.bindparam("version"),
                content_hash=sa.bindparam("hash"),
                mapping_digest=mapping_digest,
                rows_digest=sa.bindparam("rows"),
                last_run_id=run_id,
                withdrawn_run_id=None,
            ),
            [
                {
                    "record_id": current.id,
                    "version": current.current_version + 1,
                    "hash": landing.content_hash,
                    "rows": projection.digest,
                }
                for landing, current, projection in versioned
            ],
        )
        stored.extend((current.id, projection) for _, current, projection in moved)
        versions.extend(
            _version(current.id, current.current_version + 1, landing, run_id, now)
            for landing, current, _projection in versioned
        )
        result.changed = len(changed)
    if remapped:
        conn.execute(
            source_records.update()
            .where(source_records.c.id == sa.bindparam("record_id"))
            .values(
                mapping_digest=mapping_digest,
                rows_digest=sa.bindparam("rows"),
                last_run_id=run_id,
                withdrawn_run_id=None,
            ),
            [
                {"record_id": current.id, "rows": projection.digest}
                for _, current, projection in remapped
            ],
        )
        stored.extend((current.id, projection) for _, current, projection in remapped)
        result.unchanged += len(remapped)
        result.remapped = len(remapped)
    if versions:
        insert_many(conn, record_versions, versions)
        result.rows_written += len(versions)
    result.rows_written += _write_projection(conn, source, stored, result.warned)
    result.record_ids = [record_id for record_id, _projection in stored]

    landed_keys = [landing.source_key for landing in landings if landing.source_key in seen]
    quarantine_store.resolve(conn, run_id, source, landed_keys)
    result.quarantined = quarantine_store.add(conn, run_id, source, rejections)
    result.rows_written += result.quarantined
    return result


def _seen_again(
    conn: Connection, run_id: int, record_ids: Sequence[int], mapping_digest: str | None = None
) -> None:
    """Mark unchanged records as read by this run (and, given one, made by this mapping)."""
    if not record_ids:
        return
    values: dict[str, Any] = {"last_run_id": run_id, "withdrawn_run_id": None}
    if mapping_digest is not None:
        values["mapping_digest"] = mapping_digest
    conn.execute(
        source_records.update().where(source_records.c.id.in_(record_ids)).values(**values)
    )


# A stored record with the rows one of its versions maps to.
_Mapped = tuple[Landing, Any, _Projection]


def _by_rows(
    source: str, stored: Sequence[tuple[Landing, Any]]
) -> tuple[list[_Mapped], list[_Mapped]]:
    """Stored records as this mapping maps them: those it maps to other rows than they hold,
    and those it maps to the rows they hold (`rows_digest`; a record stored before it was
    kept has none, and its rows count as other)."""
    other: list[_Mapped] = []
    same: list[_Mapped] = []
    for landing, current in stored:
        projection = _projected(source, landing.mapped)
        held = current.rows_digest is not None and projection.digest == current.rows_digest
        (same if held else other).append((landing, current, projection))
    return other, same


def _without_disposed(
    conn: Connection,
    source: str,
    landings: Sequence[Landing],
    rejections: Sequence[Rejection],
    result: ChunkResult,
) -> tuple[Sequence[Landing], Sequence[Rejection]]:
    """The chunk without records disposed of under retention, counted as `suppressed`: a
    disposed record must not come back, whether it maps cleanly or would be quarantined."""
    keys = [landing.source_key for landing in landings]
    keys.extend(r.source_key for r in rejections if r.source_key is not None)
    disposed = disposed_keys(conn, source, keys) if keys else set()
    if not disposed:
        return landings, rejections
    kept = [landing for landing in landings if landing.source_key not in disposed]
    refused = [r for r in rejections if r.source_key not in disposed]
    result.suppressed = len(landings) - len(kept) + len(rejections) - len(refused)
    return kept, refused


def _long_key(mapped: MappedSourceRecord) -> str | None:
    """Why the record's keys cannot be stored (one longer than the store holds), or None."""
    keys = [mapped.key, *(record.key for record in mapped.records)]
    for key in keys:
        if len(key) > KEY_WIDTH:
            return (
                f"the key {key[:40]!r}… is {len(key):,} characters, more than the "
                f"{KEY_WIDTH} the store holds"
            )
    return None


def _rejection(landing: Landing, reason: str) -> Rejection:
    text = quarantine_store.canonical_text(landing.raw)
    key = landing.source_key if len(landing.source_key) <= KEY_WIDTH else None
    return Rejection(landing.file, landing.locator, reason, text, len(text.encode()), key)


def _version(
    record_id: int, version: int, landing: Landing, run_id: int, now: datetime
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "version": version,
        "content_hash": landing.content_hash,
        "raw": landing.raw,
        "file": landing.file,
        "locator": landing.locator,
        "run_id": run_id,
        "created_at": now,
    }


def _delete_projection(conn: Connection, record_ids: Sequence[int]) -> None:
    for table in (*POLE_TABLES.values(), links, field_warnings):
        conn.execute(table.delete().where(table.c.record_id.in_(record_ids)))


def _write_projection(
    conn: Connection,
    source: str,
    stored: Iterable[tuple[int, _Projection]],
    warned: dict[tuple[str, str], WarnedField],
) -> int:
    """Insert the typed rows, links and field warnings of newly stored versions; counts the
    warnings into `warned` by kind and field."""
    typed: dict[str, list[dict[str, Any]]] = {kind: [] for kind in POLE_TABLES}
    link_rows: list[dict[str, Any]] = []
    warning_rows: list[dict[str, Any]] = []
    for record_id, projection in stored:  # its digest taken, a projection is given its id
        for kind, rows in projection.typed.items():
            for row in rows:
                row["record_id"] = record_id
            typed[kind].extend(rows)
        for link in projection.links:
            link["record_id"] = record_id
        link_rows.extend(projection.links)
        warning_rows.extend(
            {
                "record_id": record_id,
                "source": source,
                "kind": warning.kind,
                "source_key": warning.source_key,
                "field": warning.field[:64],
                "value": warning.value,
                "reason": warning.reason[:256],
            }
            for warning in projection.warnings
        )
        for warning in (warning for warning in projection.warnings if warning.left_out):
            key = (warning.kind, warning.field)
            if key not in warned:
                warned[key] = WarnedField.first(warning)
            warned[key].count += 1
    written = 0
    for kind, rows in typed.items():
        if rows:
            insert_many(conn, POLE_TABLES[kind], rows)
            written += len(rows)
    for table, rows in ((links, link_rows), (field_warnings, warning_rows)):
        if rows:
            insert_many(conn, table, rows)
            written += len(rows)
    return written


def withdraw_absent(conn: Connection, run_id: int, source: str) -> int:
    """Mark the source's records this snapshot run did not see as withdrawn (never deleted)."""
    result = conn.execute(
        source_records.update()
        .where(
            source_records.c.source == source,
            source_records.c.last_run_id != run_id,
            source_records.c.withdrawn_run_id.is_(None),
        )
        .values(withdrawn_run_id=run_id)
    )
    return result.rowcount


def counts_by_source(conn: Connection) -> dict[str, dict[str, int]]:
    """Current (not withdrawn) records per source and POLE kind, for the home page."""
    counts: dict[str, dict[str, int]] = {}
    records = conn.execute(
        sa.select(source_records.c.source, sa.func.count())
        .where(source_records.c.withdrawn_run_id.is_(None))
        .group_by(source_records.c.source)
    )
    for source, count in records:
        counts.setdefault(source, {})["records"] = count
    for kind, table in POLE_TABLES.items():
        rows = conn.execute(
            sa.select(table.c.source, sa.func.count())
            .join(source_records, source_records.c.id == table.c.record_id)
            .where(source_records.c.withdrawn_run_id.is_(None))
            .group_by(table.c.source)
        )
        for source, count in rows:
            counts.setdefault(source, {})[kind] = count
    return counts
