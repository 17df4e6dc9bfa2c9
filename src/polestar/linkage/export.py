"""Exporting golden entities: which entity each source record belongs to, as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.engine import Engine

from polestar.errors import InvalidInput
from polestar.store import entities as entity_store

KINDS = ("person", "vehicle", "location")


def export_entities(engine: Engine, kind: str, out: Path) -> int:
    """Write `source, source_key, entity_id` for every record of `kind`; returns the rows.

    Raises:
        InvalidInput: an unknown kind.
    """
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
    rows = 0
    with engine.connect() as conn, out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["source", "source_key", "entity_id"])
        for row in entity_store.members(conn, kind):
            writer.writerow(row)
            rows += 1
    return rows
