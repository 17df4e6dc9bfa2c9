"""`polestar ingest` through its runner: streams, exit codes and the JSON shape (CONVENTIONS.md)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings
from tests.ingest.exports import write_courts, write_crime, write_custody

runner = CliRunner()


def _exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_custody(folder)
    write_crime(folder)
    write_courts(folder)
    (folder / "truth.csv").write_text("kind,source,source_key,true_id\n")
    (folder / "notes.txt").write_text("not an export\n")
    return folder


def test_json_output_is_one_object_that_reconciles(settings: Settings, tmp_path: Path) -> None:
    folder = _exports(tmp_path)
    result = runner.invoke(app, ["ingest", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["sources"]) == {"custody", "crime", "courts"}
    for counts in [report["total"], *report["sources"].values()]:
        parts = ("new", "changed", "unchanged", "quarantined", "suppressed")
        assert counts["read"] == sum(counts[name] for name in parts), counts
    assert report["total"]["new"] == 5
    assert report["skipped"] == [str(folder / "notes.txt")]
    assert "notes.txt" in result.stderr


def test_second_run_reports_only_unchanged(settings: Settings, tmp_path: Path) -> None:
    folder = _exports(tmp_path)
    runner.invoke(app, ["ingest", str(folder), "--json"])
    result = runner.invoke(app, ["ingest", str(folder), "--json"])
    total = json.loads(result.stdout)["total"]
    assert total["unchanged"] == total["read"] == 5, total


def test_missing_path_is_a_usage_error(settings: Settings, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_source_without_mapping_is_a_usage_error(settings: Settings, tmp_path: Path) -> None:
    folder = _exports(tmp_path)
    result = runner.invoke(app, ["ingest", str(folder), "--source", "other"])
    assert result.exit_code == 2
    assert "--mapping" in result.stderr


def test_one_mapping_loads_two_files_as_two_sources(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    west = write_custody(folder).rename(folder / "custody-west.csv")
    mapping = Path("src/polestar/sources/mappings/custody.yaml").resolve()
    for source in ("custody_west", "custody_east"):
        result = runner.invoke(
            app, ["ingest", str(west), "--mapping", str(mapping), "--source", source, "--json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["sources"][source]["new"] == 3


def test_broken_mapping_lists_every_error(settings: Settings, tmp_path: Path) -> None:
    mapping = tmp_path / "broken.yaml"
    mapping.write_text(
        "source: Bad Name\nformat: tsv\nkey: id\nrecords:\n"
        "  p: {kind: person, fields: {shoe_size: size}}\n"
    )
    folder = _exports(tmp_path)
    result = runner.invoke(app, ["ingest", str(folder), "--mapping", str(mapping)])
    assert result.exit_code == 2
    assert "source" in result.stderr
    assert "format" in result.stderr


def test_the_county_geometry_beside_the_exports_is_kept_for_the_map(
    settings: Settings, tmp_path: Path
) -> None:
    folder = _exports(tmp_path)
    shape = '{"type": "FeatureCollection", "features": []}'
    (folder / "county.geojson").write_text(shape)
    result = runner.invoke(app, ["ingest", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"]["new"] == 5  # the geometry is no record
    assert (settings.data_dir / "county.geojson").read_text() == shape


def test_fields_whose_values_were_left_out_are_named_once_each(
    settings: Settings, tmp_path: Path
) -> None:
    # Two dates of birth fail their type: one line says so, with a count and the first reason
    # (not the value: stderr goes on into logs).
    # A time in the hour repeated at a clock change is used as read (a note, not left out).
    (tmp_path / "stops.yaml").write_text(
        "source: stops\nformat: csv\nkey: id\nrecords:\n"
        "  stop: {kind: event, event_type: incident, fields: "
        "{occurred_at: {path: when, type: datetime}}}\n"
        "  subject: {kind: person, fields: {surname: {path: name, type: name}, "
        "dob: {path: born, type: date}}}\n"
        "links:\n  - {from: subject, role: subject, to: stop}\n"
    )
    (tmp_path / "stops.csv").write_text(
        "id,when,name,born\n"
        "S1,2024-10-27T01:30:00,Doe,1990-02-31\n"
        "S2,2024-03-01T10:00:00,Roe,1985-13-01\n"
        "S3,2024-03-02T10:00:00,Poe,1980-01-01\n"
    )
    mapping = str(tmp_path / "stops.yaml")

    result = runner.invoke(app, ["ingest", str(tmp_path / "stops.csv"), "--mapping", mapping])

    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert lines == [
        "warning: stops: 2 person.dob value(s) kept only as written, left out of matching and "
        "search (the first: [value] is not a real date: check the day and month); "
        "`polestar quarantine list --warnings` lists them"
    ], result.stderr
    assert "1990-02-31" not in result.stderr
