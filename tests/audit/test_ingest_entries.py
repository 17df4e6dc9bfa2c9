"""Every ingest run writes one collection entry naming its run, even when nothing changed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.settings import Settings
from tests.ingest.exports import write_custody

OPERATOR = audit.Actor(actor="cli:op")


def test_each_ingest_run_is_one_collection_entry(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_custody(folder)

    first = ingest(db, plan_inputs([folder]), settings, actor="cli:tester")
    second = ingest(db, plan_inputs([folder]), settings, actor="cli:tester")

    entries = [f.entry for f in audit.by_user(db, "cli:tester", reader=OPERATOR, settings=settings)]
    assert [(str(e.operation), e.action, e.run_id) for e in entries] == [
        ("collection", "ingest", first.run_id),
        ("collection", "ingest", second.run_id),
    ]
    assert entries[0].details["total"]["new"] == first.total.new > 0
    assert entries[1].details["total"]["unchanged"] == second.total.read
    assert entries[1].details["status"] == "completed"
    assert audit.verify(db, settings).ok


def test_an_ingest_of_nothing_is_recorded_too(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    report = ingest(db, plan_inputs([tmp_path]), settings, actor="cli:tester")

    (entry,) = [
        f.entry for f in audit.by_user(db, "cli:tester", reader=OPERATOR, settings=settings)
    ]
    assert entry.run_id == report.run_id
    assert entry.details["files"] == []
