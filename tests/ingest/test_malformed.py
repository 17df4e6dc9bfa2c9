"""Malformed exports through the real pipeline on SQLite and PostgreSQL: what is broken is
quarantined with a reason, and everything else in the same file and folder still lands."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.ingest import pipeline
from polestar.ingest.pipeline import IngestReport, ingest, plan_inputs
from polestar.settings import Settings
from polestar.sources.readers import KEEP_BYTES
from polestar.store.tables import (
    events,
    field_warnings,
    links,
    locations,
    persons,
    quarantine,
    record_versions,
    source_records,
)
from tests.ingest.bulk import custody_key, custody_rows, custody_text, write_lines
from tests.ingest.exports import (
    COURTS_XML,
    CUSTODY_HEADER,
    CUSTODY_ROWS,
    crime_line,
    write_courts,
    write_crime,
    write_custody,
)
from tests.sources.test_readers import BILLION_LAUGHS

CHILD_CHUNK = 4  # chunks so small that a file of 300 rows is read in a child process


def in_a_child(path: Path, settings: Settings) -> bool:
    return pipeline._worth_a_process(path.stat().st_size, settings)


def run(
    engine: Engine, settings: Settings, *paths: Path, warnings: list[str] | None = None
) -> IngestReport:
    sink = warnings if warnings is not None else []
    plan = plan_inputs(list(paths), warn=sink.append)
    return ingest(engine, plan, settings, actor="cli:test", warn=sink.append)


def entries(engine: Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(quarantine).order_by(quarantine.c.id)))


def keys(engine: Engine, table: sa.Table) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(table.c.source_key)).scalars())


def warnings_for(engine: Engine, source_key: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(field_warnings).where(field_warnings.c.source_key == source_key)
        )
        return sorted((row.field, row.value, row.reason) for row in rows)


def test_truncated_json_line_is_quarantined_and_the_rest_of_the_file_lands(
    db: Engine, settings: Settings, exports: Path
) -> None:
    cut = json.dumps(crime_line("CR-24-000002"))[:150]
    write_crime(exports, [crime_line("CR-24-000001"), cut, crime_line("CR-24-000003")])
    report = run(db, settings, exports)
    crime = report.sources["crime"]
    assert (crime.read, crime.new, crime.quarantined) == (3, 2, 1), report.as_dict()
    assert keys(db, source_records) == ["CR-24-000001", "CR-24-000003"]
    [entry] = entries(db)
    assert entry.locator == "line 2"
    assert entry.reason.startswith("not valid JSON"), entry.reason
    assert entry.raw == cut


def test_cp1252_export_lands_with_every_character_intact_and_a_warning(
    db: Engine, settings: Settings, exports: Path
) -> None:
    row = (
        "CU-000001,14/03/2024 02:17,O’BRIEN,José,01/03/1980,M,,,"
        '"1 Rue Café, Leek",ST13 5AA,,Theft of £40 from ‘Café Rouge’,Leek,'
    )
    write_custody(exports, [row], encoding="cp1252")
    warnings: list[str] = []
    report = run(db, settings, exports, warnings=warnings)
    assert report.total.new == 1, report.as_dict()
    assert warnings == ["custody.csv is not UTF-8: read as cp1252 (set encoding: to choose)"]
    with db.connect() as conn:
        raw = conn.execute(sa.select(record_versions.c.raw)).scalar_one()
        person = conn.execute(sa.select(persons)).one()
        offence = conn.execute(sa.select(events.c.offence)).scalar_one()
        home = conn.execute(sa.select(locations.c.lines)).scalar_one()
    assert raw["surname"] == "O’BRIEN"
    assert raw["forenames"] == "José"
    assert raw["arrest_offence"] == "Theft of £40 from ‘Café Rouge’"
    assert person.forename == "José"
    assert offence == "Theft of £40 from ‘Café Rouge’"
    assert home == ["1 Rue Café"]


def test_utf8_bom_csv_lands_and_the_first_column_name_is_clean(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports, encoding="utf-8-sig")
    assert (exports / "custody.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (3, 0), report.as_dict()
    with db.connect() as conn:
        raw = conn.execute(
            sa.select(record_versions.c.raw).order_by(record_versions.c.id).limit(1)
        ).scalar_one()
    assert next(iter(sorted(raw))) == "address"
    assert raw["custody_ref"] == "CU-000001"
    assert not any(name.startswith("\ufeff") for name in raw)


def test_file_missing_a_required_column_is_quarantined_as_one_entry(
    db: Engine, settings: Settings, exports: Path
) -> None:
    header = CUSTODY_HEADER.replace(",surname", "")
    rows = [row.replace(",SMITH", "").replace(",O'BRIEN", "") for row in CUSTODY_ROWS[:2]]
    (exports / "custody.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    write_crime(exports)
    report = run(db, settings, exports)
    custody = report.sources["custody"]
    assert (custody.read, custody.new, custody.quarantined) == (1, 0, 1), report.as_dict()
    assert report.sources["crime"].new == 1
    [entry] = entries(db)
    assert (entry.source, entry.locator) == ("custody", "file")
    assert "no column 'surname'" in entry.reason, entry.reason
    assert entry.raw_size == (exports / "custody.csv").stat().st_size
    assert report.unreadable == [entry.reason]


def test_cli_exits_2_for_a_file_missing_a_column_after_the_other_files_land(
    db: Engine, exports: Path
) -> None:
    header = CUSTODY_HEADER.replace(",arrest_time", "")
    row = CUSTODY_ROWS[0].replace(",14/03/2024 02:17", "")
    (exports / "custody.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    write_crime(exports)
    write_courts(exports)
    result = CliRunner().invoke(app, ["ingest", str(exports)])
    assert result.exit_code == 2, result.output
    assert "no column 'arrest_time'" in result.stderr, result.output
    assert keys(db, source_records) == ["CR-24-000001", "T20247001"]
    assert [entry.source for entry in entries(db)] == ["custody"]


def test_row_with_an_extra_column_is_quarantined_with_the_field_counts(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports, [CUSTODY_ROWS[0] + ",surplus", *CUSTODY_ROWS[1:]])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (2, 1), report.as_dict()
    [entry] = entries(db)
    assert entry.reason == "expected 14 fields, got 15"
    assert entry.source_key == "CU-000001"
    assert keys(db, persons) == ["CU-000002", "CU-000003"]


def test_ten_megabyte_field_quarantines_its_row_keeping_the_first_64_kib(
    db: Engine, settings: Settings, exports: Path
) -> None:
    huge = CUSTODY_ROWS[1].replace("Theft", "T" * (10 * 1024 * 1024))
    write_custody(exports, [CUSTODY_ROWS[0], huge, CUSTODY_ROWS[2]])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (2, 1), report.as_dict()
    [entry] = entries(db)
    assert "'arrest_offence' is 10,485,760 bytes" in entry.reason, entry.reason
    assert len(entry.raw.encode()) == KEEP_BYTES
    assert entry.raw_size >= 10 * 1024 * 1024
    assert entry.source_key == "CU-000002"
    assert keys(db, source_records) == ["CU-000001", "CU-000003"]


def test_record_the_mapping_refuses_keeps_only_its_first_64_kib(
    db: Engine, settings: Settings, exports: Path
) -> None:
    keyless = crime_line("", summary="S" * 900_000, outcome="O" * 900_000)
    write_crime(exports, [keyless, crime_line("CR-24-000002")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 1), report.as_dict()
    [entry] = entries(db)
    assert entry.reason.startswith("no key"), entry.reason
    assert len(entry.raw.encode()) <= KEEP_BYTES
    assert entry.raw_size > 1_800_000


def test_invalid_dates_land_with_a_field_warning_keeping_the_raw_value(
    db: Engine, settings: Settings, exports: Path
) -> None:
    custody = CUSTODY_ROWS[0].replace("01/03/1980", "45/13/1980")
    write_custody(exports, [custody])
    write_crime(exports, [crime_line(occurred_at="yesterday evening")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (2, 0), report.as_dict()
    [(field, value, _reason)] = warnings_for(db, "CU-000001")
    assert (field, value) == ("dob", "45/13/1980")
    [(field, value, _reason)] = warnings_for(db, "CR-24-000001")
    assert (field, value) == ("occurred_at", "yesterday evening")
    with db.connect() as conn:
        dob = conn.execute(
            sa.select(persons.c.dob).where(persons.c.source_key == "CU-000001")
        ).scalar_one()
    assert dob is None


def test_non_uk_postcode_is_kept_raw_in_a_field_warning_and_the_record_lands(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports, [CUSTODY_ROWS[0].replace("st15 8ab", "75008 Paris")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 0), report.as_dict()
    [(field, value, reason)] = warnings_for(db, "CU-000001")
    assert (field, value) == ("postcode", "75008 Paris")
    assert "not a UK postcode" in reason
    with db.connect() as conn:
        home = conn.execute(sa.select(locations)).one()
    assert (home.lines, home.town, home.postcode) == (["12 Mill Lane"], "Stone", None)


def test_entity_bomb_in_courts_is_refused_quickly_and_the_other_files_land(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_courts(exports, BILLION_LAUGHS)
    write_custody(exports)
    write_crime(exports)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = run(db, settings, exports)
    elapsed = time.perf_counter() - started
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert elapsed < 2, f"took {elapsed:.2f}s"
    assert grown_kib < 64 * 1024, f"peak memory grew {grown_kib:,} KiB"
    assert report.sources["courts"].quarantined == 1, report.as_dict()
    assert (report.sources["custody"].new, report.sources["crime"].new) == (3, 1)
    [entry] = entries(db)
    assert entry.source == "courts"
    assert "entities" in entry.reason, entry.reason


def test_malformed_xml_mid_file_lands_the_cases_before_the_break(
    db: Engine, settings: Settings, exports: Path
) -> None:
    second = COURTS_XML.split("<case ")[1].replace('"T20247001"', '"T20247002"')
    broken = '<case number="T20247003"><court>Leek</cort></case>\n<case number="T4"/>\n'
    write_courts(exports, COURTS_XML.replace("</listings>", f"<case {second}{broken}</listings>"))
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (2, 1), report.as_dict()
    assert keys(db, source_records) == ["T20247001", "T20247002"]
    [entry] = entries(db)
    assert entry.reason.startswith("XML is malformed"), entry.reason
    assert '<case number="T20247003">' in entry.raw


def test_unclosed_quote_quarantines_that_line_and_every_later_good_row_lands(
    db: Engine, settings: Settings, exports: Path
) -> None:
    rows = custody_rows(40, seed=3)
    rows[5] = rows[5].replace(", ", ', "', 1)  # a quote opened inside the quoted address
    write_lines(exports / "custody.csv", custody_text(rows))
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (39, 1), report.as_dict()
    [entry] = entries(db)
    assert (entry.locator, entry.reason) == ("line 7", "a quote is opened and never closed")
    assert keys(db, source_records) == [custody_key(n) for n in range(1, 41) if n != 6]


@pytest.mark.parametrize("chunk", [2000, CHILD_CHUNK], ids=["read-here", "read-in-a-child"])
def test_lines_broken_by_hand_in_custody_csv_are_quarantined_and_every_good_record_still_counts_as_unchanged(  # noqa: E501
    db: Engine, settings: Settings, exports: Path, chunk: int
) -> None:
    settings = settings.model_copy(update={"ingest_chunk_records": chunk})
    rows = custody_rows(300, seed=7)
    path = write_lines(exports / "custody.csv", custody_text(rows))
    assert in_a_child(path, settings) == (chunk == CHILD_CHUNK)
    first = run(db, settings, exports)
    assert (first.total.new, first.total.quarantined) == (300, 0), first.as_dict()
    # Line n + 1 of the file holds rows[n - 1]; each break leaves the key readable or not.
    truncated = rows[41][: rows[41].index('"') + 6]  # stops inside the quoted address
    parts = rows[119].split(",")
    parts[2] = f'{parts[2][:2]}"{parts[2][2:]}'  # a stray quote in the surname
    stray = ",".join(parts)
    no_commas = rows[249].replace(",", " ")
    rows[41], rows[119], rows[249] = truncated, stray, no_commas
    write_lines(path, custody_text(rows))
    second = run(db, settings, exports)
    counts = second.sources["custody"]
    assert (counts.read, counts.unchanged, counts.quarantined) == (300, 297, 3), second.as_dict()
    assert (counts.new, counts.changed) == (0, 0)
    found = {(entry.locator, entry.raw) for entry in entries(db)}
    assert found == {("line 43", truncated), ("line 121", stray), ("line 251", no_commas)}


def test_byte_undefined_in_cp1252_quarantines_only_its_line(
    db: Engine, settings: Settings, exports: Path
) -> None:
    lines = [CUSTODY_HEADER, CUSTODY_ROWS[0].replace("SMITH", "SMITHÉ"), *CUSTODY_ROWS[1:]]
    data = ("\n".join(lines) + "\n").encode("cp1252").replace(b"Mary", b"Ma\x81ry")
    (exports / "custody.csv").write_bytes(data)
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (2, 1), report.as_dict()
    [entry] = entries(db)
    assert (entry.locator, entry.reason) == ("line 3", "bytes that cannot be read as cp1252")
    assert entry.raw == CUSTODY_ROWS[1]  # all but the byte itself, which is not text
    assert entry.raw_size == len(CUSTODY_ROWS[1]) + 1


def test_nul_character_quarantines_only_its_record(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_custody(exports, [CUSTODY_ROWS[0].replace("Assault", "Ass\x00ault"), *CUSTODY_ROWS[1:]])
    write_crime(exports, [crime_line(summary="a\x00b"), crime_line("CR-24-000002")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (3, 2), report.as_dict()
    reasons = sorted(entry.reason for entry in entries(db))
    assert reasons == [
        "field 'arrest_offence' holds a NUL (0x00) character, which is not text",
        "field 'summary' holds a NUL (0x00) character, which is not text",
    ]
    [custody] = [entry for entry in entries(db) if entry.source == "custody"]
    assert "Ass\ufffdault" in custody.raw


def test_value_longer_than_its_column_is_left_out_with_a_warning_and_the_record_lands(
    db: Engine, settings: Settings, exports: Path
) -> None:
    offence = "Burglary " * 40
    write_crime(exports, [crime_line(offence=offence)])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 0), report.as_dict()
    [(field, value, reason)] = warnings_for(db, "CR-24-000001")
    assert (field, value) == ("offence", offence.strip())
    assert "more than the 256" in reason
    with db.connect() as conn:
        assert conn.execute(sa.select(events.c.offence)).scalar_one() is None


def test_role_too_long_to_store_drops_the_link_with_a_warning(
    db: Engine, settings: Settings, exports: Path
) -> None:
    line = crime_line()
    role = "suspected-of-handling-stolen-goods-and-more"
    line["persons"][1]["role"] = role  # type: ignore[index]
    write_crime(exports, [line])
    report = run(db, settings, exports)
    assert report.total.new == 1, report.as_dict()
    found = warnings_for(db, "CR-24-000001/persons/1")
    assert [(field, value) for field, value, _reason in found] == [("role", role), ("role", role)]
    with db.connect() as conn:
        linked = conn.execute(
            sa.select(sa.func.count()).where(links.c.from_key == "CR-24-000001/persons/1")
        ).scalar_one()
    assert linked == 0


def test_key_longer_than_the_store_holds_quarantines_the_record(
    db: Engine, settings: Settings, exports: Path
) -> None:
    write_crime(exports, [crime_line("CR-" + "9" * 300), crime_line("CR-24-000002")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 1), report.as_dict()
    [entry] = entries(db)
    assert "303 characters, more than the 256" in entry.reason, entry.reason
    assert entry.source_key is None


def test_reason_quoting_a_huge_value_is_shortened_to_fit(
    db: Engine, settings: Settings, exports: Path
) -> None:
    huge = json.dumps(crime_line()).replace('"easting": 389000', f'"easting": {"9" * 600}.0')
    write_crime(exports, [huge, crime_line("CR-24-000002")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 1), report.as_dict()
    [entry] = entries(db)
    assert entry.reason.startswith("not valid JSON: 9999"), entry.reason
    assert len(entry.reason) == 512
    assert entry.reason.endswith("…")


def test_nan_in_a_json_line_quarantines_it_instead_of_storing_invalid_json(
    db: Engine, settings: Settings, exports: Path
) -> None:
    line = json.dumps(crime_line()).replace('"easting": 389000', '"easting": NaN')
    write_crime(exports, [line, crime_line("CR-24-000002")])
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 1), report.as_dict()
    [entry] = entries(db)
    assert entry.reason == "not valid JSON: NaN is not a JSON number"


def test_child_reader_passes_on_the_encoding_warning_and_every_record(
    db: Engine, settings: Settings, exports: Path
) -> None:
    settings = settings.model_copy(update={"ingest_chunk_records": CHILD_CHUNK})
    rows = [row.replace("Stafford", "Café £") for row in custody_rows(300, seed=5)]
    path = write_custody(exports, rows, encoding="cp1252")
    assert in_a_child(path, settings)
    warnings: list[str] = []
    report = run(db, settings, exports, warnings=warnings)
    assert (report.total.new, report.total.quarantined) == (300, 0), report.as_dict()
    assert warnings == ["custody.csv is not UTF-8: read as cp1252 (set encoding: to choose)"]
    with db.connect() as conn:
        suites = set(conn.execute(sa.select(events.c.attributes["custody_suite"].as_string())))
    assert ("Café £",) in suites


def test_child_reader_passes_on_a_missing_column_as_one_entry(
    db: Engine, settings: Settings, exports: Path
) -> None:
    settings = settings.model_copy(update={"ingest_chunk_records": CHILD_CHUNK})
    header = CUSTODY_HEADER.replace(",surname", "")
    rows = [",".join(row.split(",")[:2] + row.split(",")[3:]) for row in custody_rows(300, 6)]
    path = exports / "custody.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assert in_a_child(path, settings)
    write_crime(exports)
    report = run(db, settings, exports)
    assert (report.total.new, report.total.quarantined) == (1, 1), report.as_dict()
    [entry] = entries(db)
    assert "no column 'surname'" in entry.reason, entry.reason
