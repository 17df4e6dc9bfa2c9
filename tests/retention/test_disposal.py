"""Disposal of a person's home-force records (issue 7, deliverable 4): every copy goes, a
tombstone stays; re-ingest counts them suppressed, relinking does not bring them back, the
SQLite file no longer holds their bytes, partners' records stay and the audit chain verifies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import viewer_for
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.person_index import index_path, open_index
from polestar.linkage.run import link
from polestar.retention.disposal import dispose
from polestar.search.index import rebuild, refresh
from polestar.search.profile import person_view
from polestar.search.results import search
from polestar.store import replaced_rows, search_index
from polestar.store.entities import members, members_of
from polestar.store.tables import (
    audit_payloads,
    persons,
    quarantine,
    record_versions,
    runs,
    source_records,
    tombstones,
)
from tests.canary import (
    ACTOR,
    COURTS_HOME,
    CRIME_ALIAS,
    CRIME_HOME,
    CUSTODY,
    CUSTODY_NAME,
    INTEL_ALIAS,
    PROBATION_HOME,
    Seeded,
    write_exports,
)

HIS_HOME_RECORDS = [
    "crime:CR-25-000901",
    "crime:CR-25-000902",
    "crime:IN-26-000903",
    "custody:CU-000901",
]
# Values only his home-force records hold (his custody home is also the fire service's premises
# record, which a disposal of home-force records rightly keeps).
HOME_ONLY = (CUSTODY_NAME, CRIME_ALIAS, CRIME_HOME, INTEL_ALIAS)
REASON = "MoPI review 2036: no further police contact in the clear period"


def _records(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(source_records.c.source, source_records.c.source_key))
        return {f"{row.source}:{row.source_key}" for row in rows}


def _last_run(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.max(runs.c.id))).scalar_one()


def _quarantine_a_copy(canary_copy: Seeded, folder: Path) -> None:
    """A custody export with his row twice: the second lands in the quarantine, raw."""
    folder.mkdir()
    (folder / "custody.csv").write_text("\n".join([*CUSTODY, CUSTODY[1]]) + "\n")
    ingest(canary_copy.engine, plan_inputs([folder]), canary_copy.settings, actor=ACTOR)


def test_disposal_removes_every_copy_and_keeps_tombstones(
    canary_copy: Seeded, tmp_path: Path
) -> None:
    engine = canary_copy.engine
    _quarantine_a_copy(canary_copy, tmp_path / "again")
    # A consultation with free text naming him, whose payload must go with the records.
    viewer = viewer_for(engine, "home-analyst", "investigation", "Quillfeather burglary")
    person_view(engine, canary_copy.settings, viewer, canary_copy.target)
    # His custody record's rows replaced by an ingest, awaiting placement anew.
    with engine.begin() as conn:
        custody = sa.select(source_records.c.id).where(
            source_records.c.source == "custody", source_records.c.source_key == "CU-000901"
        )
        replaced_rows.mark(conn, [conn.execute(custody).scalar_one()], _last_run(conn))

    disposed = dispose(
        engine, canary_copy.settings, canary_copy.target, REASON, actor=audit.Actor(ACTOR)
    )

    assert disposed.records == HIS_HOME_RECORDS
    assert disposed.removed["quarantine"] == 1
    assert disposed.removed["replaced rows"] == 1
    assert disposed.removed["audit payloads"] >= 1
    with engine.connect() as conn:
        stones = conn.execute(sa.select(tombstones)).all()
        left = conn.execute(
            sa.select(sa.func.count())
            .select_from(record_versions)
            .join(source_records, source_records.c.id == record_versions.c.record_id)
            .where(source_records.c.source.in_(["crime", "custody"]))
        ).scalar_one()
        in_quarantine = conn.execute(
            sa.select(sa.func.count()).where(quarantine.c.source_key == "CU-000901")
        ).scalar_one()
        payloads = conn.execute(sa.select(audit_payloads.c.text)).scalars().all()
    assert sorted(f"{s.source}:{s.source_key}" for s in stones) == HIS_HOME_RECORDS
    assert {(s.actor, s.reason) for s in stones} == {(ACTOR, REASON)}
    assert all(len(s.content_hash) == 64 for s in stones)
    assert (left, in_quarantine) == (0, 0)
    assert not any(text and "quillfeather" in text.lower() for text in payloads)
    assert not index_path(canary_copy.settings).exists()
    # Partners' records of the same entity stay, and still make up the entity.
    assert {"probation:X123456", "courts:T20257001"} <= _records(engine)
    view = person_view(engine, canary_copy.settings, viewer, canary_copy.target).as_dict()
    text = json.dumps(view, default=str).lower()
    assert PROBATION_HOME in text
    assert COURTS_HOME in text
    assert not [value for value in HOME_ONLY if value in text]
    report = audit.verify(engine, canary_copy.settings)
    assert report.ok, report.as_dict()
    erasures = [
        found
        for found in audit.by_user(
            engine, ACTOR, reader=audit.Actor("cli:dpo"), settings=canary_copy.settings
        )
        if found.entry.action == "retention.dispose"
    ]
    assert [found.entry.operation for found in erasures] == [audit.Operation.ERASURE]
    assert set(erasures[0].entry.record_ids) == set(HIS_HOME_RECORDS)
    assert erasures[0].justification == REASON


def test_reingest_counts_disposed_records_suppressed_and_relink_does_not_resurrect(
    canary_copy: Seeded, tmp_path: Path
) -> None:
    engine = canary_copy.engine
    dispose(engine, canary_copy.settings, canary_copy.target, REASON, actor=audit.Actor(ACTOR))

    again = ingest(
        engine, plan_inputs([write_exports(tmp_path / "same")]), canary_copy.settings, actor=ACTOR
    ).as_dict()
    link(engine, canary_copy.settings, actor=ACTOR, warn=lambda _message: None)

    crime, custody = again["sources"]["crime"], again["sources"]["custody"]  # type: ignore[index]
    assert (crime["suppressed"], crime["new"], crime["read"]) == (3, 0, 3)
    assert (custody["suppressed"], custody["new"]) == (1, 0)
    total = again["total"]
    assert total["read"] == sum(  # type: ignore[index]
        total[name]  # type: ignore[index]
        for name in ("new", "changed", "unchanged", "quarantined", "suppressed")
    )
    assert not set(HIS_HOME_RECORDS) & _records(engine)
    # What is left of the home force is the control-room caller, another person.
    with engine.connect() as conn:
        sources = {source for source, _key, _entity in members(conn, "person")}
    assert sources == {"probation", "courts", "incidents"}
    index = open_index(engine, canary_copy.settings)
    assert index is not None
    held = index.con.sql("SELECT DISTINCT source FROM idx.people").fetchall()
    assert {row[0] for row in held} == {"probation", "courts", "incidents"}
    report = audit.verify(engine, canary_copy.settings)
    assert report.ok, report.as_dict()


def _held(database: Path) -> set[str]:
    """Which home-only values the bytes of the database file and its WAL hold."""
    files = [database, *database.parent.glob(database.name + "-*")]
    data = b"".join(file.read_bytes().lower() for file in files)
    return {value for value in HOME_ONLY if value.encode() in data}


@pytest.mark.parametrize("canary_copy", ["sqlite"], indirect=True)
@pytest.mark.parametrize("secure_delete", ["OFF", "ON"])
def test_sqlite_file_holds_no_byte_of_the_disposed_records(
    canary_copy: Seeded, tmp_path: Path, secure_delete: str
) -> None:
    # Debian's SQLite zeroes deleted content by default; others leave it in free pages,
    # which only the VACUUM disposal runs removes: both must end clean.
    def pragma(connection: Any, _record: Any) -> None:
        connection.execute(f"PRAGMA secure_delete={secure_delete}")

    canary_copy.engine.dispose()
    event.listen(canary_copy.engine, "connect", pragma)
    _quarantine_a_copy(canary_copy, tmp_path / "again")
    database = Path(canary_copy.engine.url.database or "")
    assert _held(database) == set(HOME_ONLY)  # the scan finds them while they are there

    dispose(
        canary_copy.engine,
        canary_copy.settings,
        canary_copy.target,
        REASON,
        actor=audit.Actor(ACTOR),
    )

    canary_copy.engine.dispose()
    assert _held(database) == set()
    with canary_copy.engine.connect() as conn:
        kept = conn.execute(sa.select(persons.c.source).distinct()).scalars().all()
    assert set(kept) == {"probation", "courts", "incidents"}  # partners', and the caller


@pytest.mark.parametrize("arrived", [False, True], ids=["built", "arrived"])
def test_a_name_only_disposed_records_held_is_found_no_more(
    canary_copy: Seeded, arrived: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = canary_copy.engine
    rebuild(engine)
    if arrived:  # the target's keys written as an arrival's are: in the recent table
        monkeypatch.setattr(search_index, "MERGE_SHARE", 1e9)
        with engine.connect() as conn:
            record_ids = [
                record_id for record_id, _ in members_of(conn, "person", [canary_copy.target])
            ]
        refresh(engine, record_ids)
    viewer = viewer_for(engine, "home-analyst", "investigation", "Quillfeather burglary")
    before = search(engine, canary_copy.settings, viewer, CRIME_ALIAS)
    assert [r.entity_id for r in before.results][:1] == [canary_copy.target], before

    disposed = dispose(
        engine, canary_copy.settings, canary_copy.target, REASON, actor=audit.Actor(ACTOR)
    )

    assert disposed.removed["search keys"] > 0
    after = search(engine, canary_copy.settings, viewer, CRIME_ALIAS)
    assert after.results == []
