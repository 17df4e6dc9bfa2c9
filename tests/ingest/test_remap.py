"""A changed mapping reaches the records already stored: ingest maps an unchanged record again
when another mapping, or another version of the engine, made its rows (both dialects)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.ingest.pipeline import IngestReport, ingest, plan_inputs
from polestar.settings import Settings
from polestar.sources import engine as mapping_engine
from polestar.sources.mapping import MAPPINGS_DIR, load_mapping
from polestar.store.tables import events, persons, record_versions, source_records
from tests.ingest.exports import write_custody

_BUILT_IN = (MAPPINGS_DIR / "custody.yaml").read_text(encoding="utf-8")
# The mistake a force might make and correct: the offence read from the custody suite's column.
_OFFENCE_FROM_THE_SUITE = _BUILT_IN.replace("offence: arrest_offence", "offence: custody_suite")


def _mapping(folder: Path, text: str, name: str = "custody-own.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(
    db: Engine, settings: Settings, export: Path, mapping: Path, placed: list[int] | None = None
) -> IngestReport:
    return ingest(
        db,
        plan_inputs([export], load_mapping(mapping)),
        settings,
        actor="cli:test",
        on_chunk_committed=None if placed is None else placed.extend,
    )


def _offences(db: Engine) -> list[str]:
    with db.connect() as conn:
        return list(
            conn.execute(sa.select(events.c.offence).order_by(events.c.source_key)).scalars()
        )


def _count(db: Engine, table: sa.Table) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_corrected_mapping_maps_the_unchanged_records_again_in_the_same_version(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    export = write_custody(exports)
    wrong = _mapping(tmp_path, _OFFENCE_FROM_THE_SUITE)
    _run(db, settings, export, wrong)
    assert _offences(db) == ["Stafford", "Stafford", "Leek"]

    placed: list[int] = []
    report = _run(db, settings, export, _mapping(tmp_path, _BUILT_IN, "corrected.yaml"), placed)

    total = report.total
    assert (total.read, total.unchanged, total.remapped) == (3, 3, 3), total
    assert (total.new, total.changed) == (0, 0)
    assert _offences(db) == ["Assault", "Theft", "Drunk and disorderly"]
    # The same version of each record, its rows replaced, not added to.
    assert (_count(db, record_versions), _count(db, persons), _count(db, events)) == (3, 3, 3)
    with db.connect() as conn:
        assert set(conn.execute(sa.select(source_records.c.current_version)).scalars()) == {1}
        ids = set(conn.execute(sa.select(source_records.c.id)).scalars())
    # Handed on as stored records are, so linkage and the search index take the new rows.
    assert set(placed) == ids

    again = _run(db, settings, export, _mapping(tmp_path, _BUILT_IN, "corrected.yaml"))
    assert (again.total.unchanged, again.total.remapped) == (3, 0)


def test_a_mapping_that_differs_only_in_the_files_it_reads_maps_nothing_again(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    export = write_custody(exports)
    _run(db, settings, export, _mapping(tmp_path, _BUILT_IN))
    globs = _BUILT_IN.replace("files: [custody.csv]", "files: [custody*.csv, cust-*.csv]")
    assert globs != _BUILT_IN

    report = _run(db, settings, export, _mapping(tmp_path, globs, "globs.yaml"))

    assert (report.total.unchanged, report.total.remapped) == (3, 0)


def test_records_stored_before_polestar_kept_the_digest_are_mapped_again_once(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    export = write_custody(exports)
    mapping = _mapping(tmp_path, _BUILT_IN)
    _run(db, settings, export, mapping)
    with db.begin() as conn:  # as migration 0025 leaves them
        conn.execute(source_records.update().values(mapping_digest=None))

    first, second = (_run(db, settings, export, mapping) for _ in range(2))

    assert (first.total.unchanged, first.total.remapped) == (3, 3)
    assert (second.total.unchanged, second.total.remapped) == (3, 0)


def test_a_new_version_of_the_engine_maps_every_record_again(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = write_custody(exports)
    mapping = _mapping(tmp_path, _BUILT_IN)
    _run(db, settings, export, mapping)
    monkeypatch.setattr(mapping_engine, "ENGINE_VERSION", mapping_engine.ENGINE_VERSION + 1)

    report = _run(db, settings, export, mapping)

    assert (report.total.unchanged, report.total.remapped) == (3, 3)
