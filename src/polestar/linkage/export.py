"""Exporting golden entities: which entity each source record belongs to, as CSV.

The file leaves Polestar's access control, so writing it is a disclosure: the local operator
(CONVENTIONS.md) runs it, and one audit entry names the file and its row count.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import operator
from polestar.errors import InvalidInput
from polestar.settings import Settings
from polestar.store import entities as entity_store

KINDS = ("person", "vehicle", "location")


def export_entities(engine: Engine, kind: str, out: Path, *, actor: str, settings: Settings) -> int:
    """Write `source, source_key, entity_id` for every record of `kind`; returns the rows.

    Args:
        actor: the local operator (`cli:<os user>`), recorded as the discloser.

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
    who = operator(actor)
    audit.record(
        engine,
        audit.Disclosure(
            action="export.entities",
            actor=who.user,
            organisation=who.organisation,
            role=who.role,
            recipients=(str(out),),
            details={"file": str(out), "kind": kind, "rows": rows},
        ),
        settings,
    )
    return rows
