"""`polestar quarantine list`: counts and reasons, raw content only on request."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings
from tests.ingest.exports import CUSTODY_ROWS, write_custody

runner = CliRunner()


def _ingest_with_one_bad_row(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_custody(folder, [*CUSTODY_ROWS, "CU-000009,oops"])
    result = runner.invoke(app, ["ingest", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    loaded = runner.invoke(app, ["agreements", "load"])
    assert loaded.exit_code == 0, loaded.output


def test_lists_reasons_without_raw_content(settings: Settings, tmp_path: Path) -> None:
    _ingest_with_one_bad_row(tmp_path)
    result = runner.invoke(app, ["quarantine", "list", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["quarantine"] == [
        {"source": "custody", "reason": "expected 14 fields, got 2", "count": 1}
    ]
    assert "records" not in payload
    assert "oops" not in result.stdout


def test_raw_shows_the_record_as_it_arrived(settings: Settings, tmp_path: Path) -> None:
    _ingest_with_one_bad_row(tmp_path)
    result = runner.invoke(
        app, ["quarantine", "list", "--raw", "--purpose", "investigation", "--json"]
    )
    (record,) = json.loads(result.stdout)["records"]
    assert record["raw"] == "CU-000009,oops"
    assert record["source_key"] == "CU-000009"
    assert record["locator"] == "line 5"


def test_warnings_list_values_kept_raw(settings: Settings, tmp_path: Path) -> None:
    _ingest_with_one_bad_row(tmp_path)
    result = runner.invoke(app, ["quarantine", "list", "--warnings", "--json"])
    warnings = json.loads(result.stdout)["warnings"]
    (dob,) = [w for w in warnings if w["source_key"] == "CU-000002" and w["field"] == "dob"]
    assert dob["reason"] == "[value] is not a real date: check the day and month"
    assert all("value" not in w for w in warnings)
    assert "31/02/1985" not in result.stdout


def test_warnings_name_their_values_only_with_a_purpose(settings: Settings, tmp_path: Path) -> None:
    _ingest_with_one_bad_row(tmp_path)
    result = runner.invoke(
        app,
        ["quarantine", "list", "--warnings", "--raw", "--purpose", "investigation", "--json"],
    )
    warnings = json.loads(result.stdout)["warnings"]
    (dob,) = [w for w in warnings if w["source_key"] == "CU-000002" and w["field"] == "dob"]
    assert dob["value"] == "31/02/1985"
    assert dob["reason"] == "'31/02/1985' is not a real date: check the day and month"


def test_raw_is_a_consultation_and_only_for_sources_seen_whole(
    settings: Settings, tmp_path: Path
) -> None:
    _ingest_with_one_bad_row(tmp_path)
    added = runner.invoke(
        app, ["users", "add", "f.crew", "--org", "fire", "--role", "partner-caseworker"]
    )
    assert added.exit_code == 0, added.output
    fire = runner.invoke(
        app,
        ["quarantine", "list", "--raw", "--purpose", "fire-safety", "--as", "f.crew", "--json"],
    )
    assert fire.exit_code == 0, fire.output
    assert json.loads(fire.stdout)["records"] == []
    assert "raw content of custody left out" in fire.stderr
    refused = runner.invoke(app, ["quarantine", "list", "--raw", "--json"])
    assert refused.exit_code == 2
    operator = runner.invoke(app, ["quarantine", "list", "--raw", "--purpose", "investigation"])
    assert "CU-000009,oops" in operator.stdout
    who = runner.invoke(app, ["audit", "who-viewed", "custody:CU-000009", "--json"])
    entries = json.loads(who.stdout)["entries"]
    assert [(e["action"], e["in_results"]) for e in entries] == [("quarantine.raw", True)]
