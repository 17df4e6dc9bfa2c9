"""The ingest pipeline on real SQLite and PostgreSQL: counts, versions, quarantine, snapshots."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.ingest.pipeline import IngestReport, ingest, plan_inputs
from polestar.settings import Settings
from polestar.store.tables import (
    events,
    field_warnings,
    links,
    locations,
    objects,
    persons,
    quarantine,
    record_versions,
    source_records,
)
from tests.ingest.exports import (
    CUSTODY_ROWS,
    crime_line,
    write_courts,
    write_crime,
    write_custody,
)


def run(engine: Engine, settings: Settings, *paths: Path, snapshot: bool = False) -> IngestReport:
    return ingest(engine, plan_inputs(list(paths)), settings, actor="cli:test", snapshot=snapshot)


def count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_custody_rows_land_as_person_location_phone_event_and_links(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports)
    report = run(db, settings, exports)
    custody = report.sources["custody"]
    assert (custody.read, custody.new, custody.quarantined) == (3, 3, 0), report.as_dict()
    with db.connect() as conn:
        smith = conn.execute(sa.select(persons).where(persons.c.source_key == "CU-000001")).one()
        assert (smith.forename, smith.middle_names, smith.surname) == ("John", "Paul", "Smith")
        assert smith.dob.isoformat() == "1980-03-01"
        assert smith.pnc_id == "2009/0123456C"
        assert [m["code"] for m in smith.markers] == ["VI", "WE"]
        home = conn.execute(sa.select(locations).where(locations.c.source_key == "CU-000001")).one()
        assert (home.lines, home.town, home.postcode) == (["12 Mill Lane"], "Stone", "ST15 8AB")
        roles = {
            (row.from_kind, row.role, row.to_kind)
            for row in conn.execute(sa.select(links).where(links.c.from_key == "CU-000001"))
        }
    assert roles == {
        ("person", "arrested-person", "event"),
        ("person", "resides-at", "location"),
        ("person", "uses", "phone"),
    }
    assert count(db, objects) == 1  # only CU-000001 has a phone


def test_impossible_date_keeps_the_record_and_warns(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports)
    run(db, settings, exports)
    with db.connect() as conn:
        obrien = conn.execute(sa.select(persons).where(persons.c.source_key == "CU-000002")).one()
        warning = conn.execute(
            sa.select(field_warnings).where(field_warnings.c.source_key == "CU-000002")
        ).one()
    assert obrien.surname == "O'Brien"
    assert obrien.dob is None
    assert (warning.field, warning.value) == ("dob", "31/02/1985")
    assert "not a real date" in warning.reason


def test_time_in_the_repeated_autumn_hour_is_kept_and_flagged(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports)
    run(db, settings, exports)
    with db.connect() as conn:
        episode = conn.execute(sa.select(events).where(events.c.source_key == "CU-000003")).one()
        warning = conn.execute(
            sa.select(field_warnings).where(field_warnings.c.source_key == "CU-000003")
        ).one()
    # 01:30 on 27 Oct 2024 happened twice; the first (BST) is 00:30 UTC.
    assert episode.occurred_at.replace(tzinfo=None).isoformat() == "2024-10-27T00:30:00"
    assert warning.field == "occurred_at"
    assert "repeated hour" in warning.reason


def test_second_ingest_of_same_input_reports_only_unchanged(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports)
    write_crime(exports)
    write_courts(exports)
    first = run(db, settings, exports)
    tables = [source_records, record_versions, persons, locations, objects, events, links]
    before = [count(db, table) for table in tables]
    second = run(db, settings, exports)
    total = second.total
    assert total.read == first.total.read == total.unchanged, second.as_dict()
    assert (total.new, total.changed, total.quarantined) == (0, 0, 0)
    assert [count(db, table) for table in tables] == before


def test_changed_record_makes_a_new_version_and_keeps_history(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports)
    run(db, settings, exports)
    write_custody(exports, [CUSTODY_ROWS[0].replace("Assault", "Robbery"), *CUSTODY_ROWS[1:]])
    report = run(db, settings, exports)
    assert (report.total.changed, report.total.unchanged) == (1, 2)
    with db.connect() as conn:
        versions = conn.execute(
            sa.select(record_versions.c.version, record_versions.c.raw)
            .join(source_records, source_records.c.id == record_versions.c.record_id)
            .where(source_records.c.source_key == "CU-000001")
            .order_by(record_versions.c.version)
        ).all()
        offence = conn.execute(
            sa.select(events.c.offence).where(events.c.source_key == "CU-000001")
        ).scalar_one()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].raw["arrest_offence"] == "Assault"
    assert offence == "Robbery"
    assert count(db, persons) == 3


def test_snapshot_withdraws_absent_records_without_deleting(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports)
    run(db, settings, exports)
    write_custody(exports, CUSTODY_ROWS[:2])
    report = run(db, settings, exports, snapshot=True)
    assert report.sources["custody"].withdrawn == 1
    with db.connect() as conn:
        withdrawn = (
            conn.execute(
                sa.select(source_records.c.source_key).where(
                    source_records.c.withdrawn_run_id == report.run_id
                )
            )
            .scalars()
            .all()
        )
    assert withdrawn == ["CU-000003"]
    assert count(db, persons) == 3  # kept, only marked


def test_crime_line_nests_people_vehicles_weapons_and_scene(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_crime(exports)
    run(db, settings, exports)
    with db.connect() as conn:
        people = {r.source_key: r for r in conn.execute(sa.select(persons))}
        kinds = sorted((r.object_type, r.source_key) for r in conn.execute(sa.select(objects)))
        link_set = {
            (r.from_kind, r.from_key, r.role, r.to_kind, r.to_key)
            for r in conn.execute(sa.select(links))
        }
        scene = conn.execute(
            sa.select(locations).where(locations.c.source_key == "CR-24-000001")
        ).one()
    assert set(people) == {"NOM-0001234", "CR-24-000001/persons/1"}
    assert people["NOM-0001234"].wanted is True
    assert people["NOM-0001234"].aliases == [{"forename": "Jon", "surname": "Smyth"}]
    assert kinds == [
        ("phone", "NOM-0001234/phone"),
        ("vehicle", "CR-24-000001/vehicles/0"),
        ("weapon", "CR-24-000001/weapons/0"),
    ]
    assert ("person", "NOM-0001234", "suspect", "event", "CR-24-000001") in link_set
    assert ("person", "CR-24-000001/persons/1", "victim", "event", "CR-24-000001") in link_set
    assert ("person", "NOM-0001234", "uses", "vehicle", "CR-24-000001/vehicles/0") in link_set
    assert ("person", "NOM-0001234", "resides-at", "location", "NOM-0001234/address") in link_set
    assert 52.4 < scene.latitude < 53.3
    assert -2.5 < scene.longitude < -1.5


def test_nominal_named_in_two_crimes_is_a_row_in_each(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_crime(exports, [crime_line("CR-24-000001"), crime_line("CR-24-000002")])
    report = run(db, settings, exports)
    assert report.total.new == 2
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(persons.c.record_id).where(persons.c.source_key == "NOM-0001234")
        ).all()
    assert len(rows) == 2


def test_courts_xml_yields_hearing_and_each_defendant(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_courts(exports)
    run(db, settings, exports)
    with db.connect() as conn:
        names = sorted(
            (r.source_key, r.forename, r.surname) for r in conn.execute(sa.select(persons))
        )
        hearing = conn.execute(sa.select(events)).one()
    assert names == [("D-000123", "John", "Smith"), ("D-000124", "Dai", "Jones")]
    assert hearing.event_type == "hearing"
    assert hearing.attributes["court"] == "Stafford Crown Court"


def test_quarantined_record_is_picked_up_after_the_export_is_fixed(
    db: Engine, settings: Settings, exports: Path
) -> None:
    broken = CUSTODY_ROWS[0].replace(",Assault,Stafford,VI;WE", "")
    write_custody(exports, [broken, *CUSTODY_ROWS[1:]])
    first = run(db, settings, exports)
    assert first.total.quarantined == 1
    assert first.total.new == 2
    with db.connect() as conn:
        entry = conn.execute(sa.select(quarantine)).one()
    assert entry.reason == "expected 14 fields, got 11"
    assert entry.resolved_run_id is None
    write_custody(exports)
    second = run(db, settings, exports)
    assert (second.total.new, second.total.unchanged) == (1, 2)
    with db.connect() as conn:
        assert conn.execute(sa.select(quarantine.c.resolved_run_id)).scalar_one() == second.run_id
