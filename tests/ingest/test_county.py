"""A generated county ingests cleanly and agrees with its own truth file, on both dialects."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.settings import Settings
from polestar.store.tables import locations, objects, persons
from tests import generated


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated.county(tmp_path_factory, people=300, seed=11)


def _stored_keys(engine: Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        people = conn.execute(sa.select(persons.c.source, persons.c.source_key))
        vehicles = conn.execute(
            sa.select(objects.c.source, objects.c.source_key).where(
                objects.c.object_type == "vehicle"
            )
        )
        places = conn.execute(sa.select(locations.c.source, locations.c.source_key))
        return (
            {("person", source, key) for source, key in people}
            | {("vehicle", source, key) for source, key in vehicles}
            | {("location", source, key) for source, key in places}
        )


def test_every_file_lands_without_quarantine(db: Engine, settings: Settings, county: Path) -> None:
    report = ingest(db, plan_inputs([county]), settings, actor="cli:test")
    assert set(report.sources) == {
        "crime",
        "incidents",
        "custody",
        "fire_incidents",
        "fire_premises",
        "probation",
        "courts",
    }
    assert report.total.quarantined == 0, report.as_dict()
    assert report.total.read == report.total.new
    assert report.skipped == []


def test_stored_records_are_exactly_the_truth_files_records(
    db: Engine, settings: Settings, county: Path
) -> None:
    ingest(db, plan_inputs([county]), settings, actor="cli:test")
    with (county / "truth.csv").open(newline="", encoding="utf-8") as handle:
        truth = {(row["kind"], row["source"], row["source_key"]) for row in csv.DictReader(handle)}
    stored = _stored_keys(db)
    assert stored - truth == set(), sorted(stored - truth)[:10]
    assert truth - stored == set(), sorted(truth - stored)[:10]
