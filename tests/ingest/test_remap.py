"""A changed mapping reaches the records already stored: ingest maps an unchanged record again
when another mapping, or another version of the engine, made its rows, and rewrites those it
maps to other rows (both dialects)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.ingest.pipeline import IngestReport, ingest, plan_inputs
from polestar.settings import Settings
from polestar.sources import engine as mapping_engine
from polestar.sources import values
from polestar.sources.mapping import MAPPINGS_DIR, load_mapping
from polestar.store.tables import events, persons, record_versions, source_records
from tests.ingest.exports import CUSTODY_HEADER, CUSTODY_ROWS, write_custody

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
    export, _mapped, before = _ingested(db, settings, exports, tmp_path)
    globs = _BUILT_IN.replace("files: [custody.csv]", "files: [custody*.csv, cust-*.csv]")
    assert globs != _BUILT_IN

    report = _run(db, settings, export, _mapping(tmp_path, globs, "globs.yaml"))

    assert (report.total.unchanged, report.total.remapped) == (3, 0)
    with db.connect() as conn:  # not even read again: the mapping's digest is the same
        assert _digests(conn) == before


def test_a_mapping_change_rewrites_only_the_records_whose_rows_it_changes(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    export, _mapped, before = _ingested(db, settings, exports, tmp_path)
    # Markers split at commas: only CU-000001 holds markers (`VI;WE`), read now as one.
    commas = _BUILT_IN.replace('split: ";"', 'split: ","')
    assert commas != _BUILT_IN

    placed: list[int] = []
    report = _run(db, settings, export, _mapping(tmp_path, commas, "commas.yaml"), placed)

    assert (report.total.unchanged, report.total.remapped) == (3, 1)
    _only_rewritten(db, before, placed, "CU-000001")
    again = _run(db, settings, export, _mapping(tmp_path, commas, "commas.yaml"))
    assert (again.total.unchanged, again.total.remapped) == (3, 0)


# Each record's (mapping digest, rows digest), by source key.
Digests = dict[str, tuple[str | None, str | None]]


def _ingested(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> tuple[Path, Path, Digests]:
    """The custody export ingested through the built-in mapping: the export, the mapping and
    each record's digests."""
    export = write_custody(exports)
    mapping = _mapping(tmp_path, _BUILT_IN)
    _run(db, settings, export, mapping)
    with db.connect() as conn:
        return export, mapping, _digests(conn)


def _digests(conn: sa.Connection) -> Digests:
    query = sa.select(
        source_records.c.source_key, source_records.c.mapping_digest, source_records.c.rows_digest
    )
    return {key: (mapping, rows) for key, mapping, rows in conn.execute(query)}


def _only_rewritten(db: Engine, before: Digests, placed: list[int], key: str) -> None:
    """Every record now carries the new mapping digest, but only the record `key` has other
    rows, and only it went on to linkage and search."""
    with db.connect() as conn:
        rewritten = conn.execute(
            sa.select(source_records.c.id).where(source_records.c.source_key == key)
        ).scalar_one()
        after = _digests(conn)
    assert placed == [rewritten]
    assert {mapping for mapping, _rows in after.values()}.isdisjoint(
        {mapping for mapping, _rows in before.values()}
    )
    assert len({mapping for mapping, _rows in after.values()}) == 1
    assert {k for k in after if after[k][1] != before[k][1]} == {key}


def test_records_stored_before_polestar_kept_the_digests_are_rewritten_once(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    export, mapping, _digested = _ingested(db, settings, exports, tmp_path)
    with db.begin() as conn:  # as migration 0025 leaves them
        conn.execute(source_records.update().values(mapping_digest=None, rows_digest=None))

    first, second = (_run(db, settings, export, mapping) for _ in range(2))

    assert (first.total.unchanged, first.total.remapped) == (3, 3)
    assert (second.total.unchanged, second.total.remapped) == (3, 0)


def test_records_stored_before_the_mapping_digest_but_with_their_rows_are_left_alone(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    export, mapping, _digested = _ingested(db, settings, exports, tmp_path)
    with db.begin() as conn:
        conn.execute(source_records.update().values(mapping_digest=None))

    report = _run(db, settings, export, mapping)

    assert (report.total.unchanged, report.total.remapped) == (3, 0)
    with db.connect() as conn:
        assert None not in {mapping for mapping, _rows in _digests(conn).values()}


def test_changed_code_that_makes_rows_reads_every_record_again_and_rewrites_none_it_leaves(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export, mapping, before = _ingested(db, settings, exports, tmp_path)
    monkeypatch.setattr(mapping_engine, "engine_fingerprint", lambda: "a later polestar")

    report = _run(db, settings, export, mapping)

    # This code reads the export as the last did: every record is read, none rewritten.
    assert (report.total.unchanged, report.total.remapped) == (3, 0)
    with db.connect() as conn:
        after = _digests(conn)
    assert all(after[key][0] != before[key][0] for key in before)
    assert all(after[key][1] == before[key][1] for key in before)


def test_a_polestar_that_reads_a_value_otherwise_rewrites_the_records_it_reads_otherwise(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export, mapping, before = _ingested(db, settings, exports, tmp_path)
    # A phone number read otherwise, as a change to `pole.phones` would (its text, which
    # `engine_fingerprint` reads, changes with it).
    read_as_before = values.VALUE_TYPES["phone"]
    monkeypatch.setitem(
        values.VALUE_TYPES, "phone", lambda raw, options: f"{read_as_before(raw, options)} "
    )
    monkeypatch.setattr(mapping_engine, "engine_fingerprint", lambda: "a later polestar")

    placed: list[int] = []
    report = _run(db, settings, export, mapping, placed)

    # Only CU-000001 gives a phone number: it alone is rewritten and handed on.
    assert (report.total.unchanged, report.total.remapped) == (3, 1)
    _only_rewritten(db, before, placed, "CU-000001")


def _exported(folder: Path, times: list[str]) -> Path:
    """The custody export with a column of its own no mapping reads: when each row was
    exported."""
    path = folder / "custody.csv"
    rows = [f"{row},{time}" for row, time in zip(CUSTODY_ROWS, times, strict=True)]
    path.write_text("\n".join([f"{CUSTODY_HEADER},exported_at", *rows]) + "\n", encoding="utf-8")
    return path


def test_a_change_no_mapping_reads_makes_a_version_and_leaves_the_rows(
    db: Engine, settings: Settings, exports: Path, tmp_path: Path
) -> None:
    mapping = _mapping(tmp_path, _BUILT_IN)
    _run(db, settings, _exported(exports, ["2024-03-15"] * 3), mapping)
    with db.connect() as conn:
        rows_before = conn.execute(sa.select(persons.c.id, persons.c.source_key)).all()

    placed: list[int] = []
    later = ["2024-03-16", "2024-03-15", "2024-03-15"]
    report = _run(db, settings, _exported(exports, later), mapping, placed)

    assert (report.total.changed, report.total.unchanged) == (1, 2)
    assert placed == []  # nothing for linkage or the search index to do
    with db.connect() as conn:
        versions = conn.execute(
            sa.select(source_records.c.source_key, source_records.c.current_version)
        ).all()
        assert conn.execute(sa.select(persons.c.id, persons.c.source_key)).all() == rows_before
    assert dict(versions) == {"CU-000001": 2, "CU-000002": 1, "CU-000003": 1}
    assert _count(db, record_versions) == 4
