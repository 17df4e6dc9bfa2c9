"""Where each source record came from: its source, key, file, line, arrival and content hash.

Premise 1: a profile shows where each fact came from. The current version of a source record
is the one its typed rows were projected from, so that version's file and line are the
provenance of every row a profile shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.bulk import chunks
from polestar.store.tables import record_versions, source_records

_CHUNK = 2_000


@dataclass(frozen=True)
class Provenance:
    """One source record's current version: `SOURCE:KEY`, version, file, line, arrival, hash."""

    record: str
    version: int
    file: str
    locator: str
    ingested_at: datetime
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_record": self.record,
            "version": self.version,
            "file": self.file,
            "line": self.locator,
            "ingested_at": self.ingested_at.isoformat(),
            "content_hash": self.content_hash,
        }


def provenance(conn: Connection, record_ids: Iterable[int]) -> dict[int, Provenance]:
    """The provenance of each source record (by id) that exists."""
    found: dict[int, Provenance] = {}
    ids = sorted(set(record_ids))
    for chunk in chunks(ids, _CHUNK):
        rows = conn.execute(
            sa.select(
                source_records.c.id,
                source_records.c.source,
                source_records.c.source_key,
                source_records.c.content_hash,
                record_versions.c.version,
                record_versions.c.file,
                record_versions.c.locator,
                record_versions.c.created_at,
            )
            .join(
                record_versions,
                sa.and_(
                    record_versions.c.record_id == source_records.c.id,
                    record_versions.c.version == source_records.c.current_version,
                ),
            )
            .where(source_records.c.id.in_(chunk))
        )
        for row in rows:
            at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            found[row.id] = Provenance(
                f"{row.source}:{row.source_key}",
                row.version,
                row.file,
                row.locator,
                at.astimezone(UTC),
                row.content_hash,
            )
    return found
