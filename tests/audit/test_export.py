"""Export for a SIEM: every entry since a time as a JSON line, the export itself disclosed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.settings import Settings
from polestar.store.tables import audit_entries
from tests.audit.factories import lookup

OPERATOR = audit.Actor(actor="cli:op", organisation="home-force", role="administrator")


def _read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_round_trips_every_column_of_every_entry(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    for n in range(3):
        audit.record(db, lookup(f"pc.{n}", justification="kept out of exports"), settings)
    out = tmp_path / "audit.jsonl"

    written = audit.export(
        db, datetime(2000, 1, 1, tzinfo=UTC), out, reader=OPERATOR, settings=settings
    )

    lines = _read(out)
    assert written == len(lines) == 3
    with db.connect() as conn:
        stored = {row.seq: row.hash for row in conn.execute(sa.select(audit_entries))}
    assert {line["seq"]: line["hash"] for line in lines} == {s: stored[s] for s in (1, 2, 3)}
    assert [line["actor"] for line in lines] == ["pc.0", "pc.1", "pc.2"]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert lines[0]["entity_ids"] == ["PER-00000001"]
    assert "kept out of exports" not in out.read_text(encoding="utf-8")


def test_export_starts_at_the_time_given(db: Engine, settings: Settings, tmp_path: Path) -> None:
    audit.record(
        db, replace(lookup("pc.old"), occurred_at=datetime(2024, 1, 1, tzinfo=UTC)), settings
    )
    audit.record(
        db, replace(lookup("pc.new"), occurred_at=datetime(2025, 1, 1, tzinfo=UTC)), settings
    )
    out = tmp_path / "audit.jsonl"

    audit.export(db, datetime(2024, 6, 1, tzinfo=UTC), out, reader=OPERATOR, settings=settings)

    assert [line["actor"] for line in _read(out)] == ["pc.new"]


def test_export_is_recorded_as_a_disclosure_naming_file_and_count(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    audit.record(db, lookup(), settings)
    out = tmp_path / "audit.jsonl"

    audit.export(db, datetime(2000, 1, 1, tzinfo=UTC), out, reader=OPERATOR, settings=settings)

    (entry,) = [f.entry for f in audit.by_user(db, "cli:op", reader=OPERATOR, settings=settings)][
        :1
    ]
    assert str(entry.operation) == "disclosure"
    assert entry.recipients == (str(out),)
    assert entry.details["entries"] == 1
    assert audit.verify(db, settings).ok


def test_an_unreadable_row_is_exported_as_such(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    audit.record(db, lookup(), settings)
    with db.begin() as conn:
        conn.execute(audit_entries.update().values(details="{"))
    out = tmp_path / "audit.jsonl"

    audit.export(db, datetime(2000, 1, 1, tzinfo=UTC), out, reader=OPERATOR, settings=settings)

    (line,) = _read(out)
    assert line["seq"] == 1
    assert "unreadable" in line
