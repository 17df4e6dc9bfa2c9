"""`polestar export entities` through the runner: one row per record, CONVENTIONS' exit codes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings
from tests.cli.conftest import Linked

runner = CliRunner()
PREFIXES = {"person": "PER", "vehicle": "VEH", "location": "LOC"}


def _truth(county: Path, kind: str) -> set[tuple[str, str]]:
    with (county / "truth.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (row["source"], row["source_key"])
            for row in csv.DictReader(handle)
            if row["kind"] == kind
        }


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("kind", ["person", "vehicle", "location"])
def test_export_entities_writes_every_record_of_the_kind_once(
    linked: Linked, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"{kind}.csv"

    result = runner.invoke(app, ["export", "entities", "--kind", kind, "--out", str(out)])

    assert result.exit_code == 0, result.output
    header, rows = _read(out)
    assert header == ["source", "source_key", "entity_id"]
    records = [(row["source"], row["source_key"]) for row in rows]
    assert len(records) == len(set(records))
    assert set(records) == _truth(linked.county, kind)
    pattern = re.compile(rf"{PREFIXES[kind]}-\d{{8}}")
    assert all(pattern.fullmatch(row["entity_id"]) for row in rows), rows[:3]


def test_export_groups_records_as_the_link_did(linked: Linked, tmp_path: Path) -> None:
    out = tmp_path / "person.csv"
    runner.invoke(app, ["export", "entities", "--kind", "person", "--out", str(out)])

    _, rows = _read(out)
    entities = {row["entity_id"] for row in rows}
    link = json.loads(runner.invoke(app, ["link", "--json"]).stdout)
    assert len(entities) == link["person"]["entities"]
    assert len(rows) == link["person"]["records"]


def test_export_json_prints_one_object_with_the_row_count(linked: Linked, tmp_path: Path) -> None:
    out = tmp_path / "person.csv"

    result = runner.invoke(
        app, ["export", "entities", "--kind", "person", "--out", str(out), "--json"]
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1, result.stdout
    report = json.loads(result.stdout)
    assert report == {
        "kind": "person",
        "rows": len(_truth(linked.county, "person")),
        "out": str(out),
    }


def test_export_of_an_unknown_kind_is_a_usage_error(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "weapons.csv"

    result = runner.invoke(app, ["export", "entities", "--kind", "weapon", "--out", str(out)])

    assert result.exit_code == 2, result.output
    assert "weapon" in result.stderr
    assert "person" in result.stderr  # says what to choose instead
    assert "Traceback" not in result.output
    assert not out.exists()


def test_export_into_a_missing_folder_is_a_usage_error(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "no-such-folder" / "person.csv"

    result = runner.invoke(app, ["export", "entities", "--kind", "person", "--out", str(out)])

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
