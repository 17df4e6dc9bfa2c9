"""`polestar link` and `polestar link evaluate` through the runner (CONVENTIONS.md, issue 3).

A small county (50 people, tests/cli/conftest.py) is ingested into each test's store, or,
for the tests of a linked store, copied from one ingested and linked once (`linked`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings, get_settings
from polestar.store import search_index
from polestar.store.tables import audit_entries, entity_members, link_models, runs, search_keys
from tests.cli.conftest import Linked
from tests.linkage.models import store_person_model

runner = CliRunner()
KINDS = ("person", "vehicle", "location")
SCORES = {"precision", "recall", "f1"}


def _ingest(path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output


def _link() -> None:
    result = runner.invoke(app, ["link", "--json"])
    assert result.exit_code == 0, result.output


def _truth_rows(county: Path) -> list[dict[str, str]]:
    with (county / "truth.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_truth(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["kind", "source", "source_key", "true_id"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _evaluate(truth: Path) -> dict[str, dict[str, object]]:
    result = runner.invoke(app, ["link", "evaluate", "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _count(db: Engine, query: sa.Select[tuple[int]]) -> int:
    with db.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _link_runs(db: Engine) -> int:
    return _count(db, sa.select(sa.func.count()).select_from(runs).where(runs.c.command == "link"))


# --- polestar link ---------------------------------------------------------------------------


def test_link_json_prints_exactly_one_object_with_the_report(
    db: Engine, settings: Settings, county: Path, county_model: dict[str, Any]
) -> None:
    _ingest(county)
    store_person_model(db, county_model)

    result = runner.invoke(app, ["link", "--json"])

    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1, result.stdout
    report = json.loads(result.stdout)
    assert set(report) == {"engine", "seconds", "model_version", "review_items", *KINDS}, report
    assert isinstance(report["review_items"], int)
    assert report["engine"] == "duckdb"
    assert isinstance(report["seconds"], float | int)
    assert report["model_version"] == 1
    for kind in KINDS:
        counts = report[kind]
        assert set(counts) == {
            "records",
            "entities",
            "new_entities",
            "changed_entities",
            "pairs_scored",
        }, counts
        assert all(isinstance(value, int) for value in counts.values()), counts
        assert counts["records"] >= counts["entities"] == counts["new_entities"] > 0, counts


def test_link_warns_about_default_parameters_on_stderr(
    db: Engine, settings: Settings, county: Path
) -> None:
    _ingest(county)

    result = runner.invoke(app, ["link", "--json"])

    assert result.exit_code == 0, result.output
    assert "default" in result.stderr
    assert "default" not in result.stdout


def test_link_writes_one_link_run(linked: Linked) -> None:
    with linked.engine.connect() as conn:
        rows = conn.execute(sa.select(runs.c.status).where(runs.c.command == "link")).all()
    assert [row.status for row in rows] == ["completed"]


def test_link_records_one_combination_entry_naming_its_run(linked: Linked) -> None:
    with linked.engine.connect() as conn:
        run_id = conn.execute(sa.select(runs.c.id).where(runs.c.command == "link")).scalar_one()
        entries = conn.execute(
            sa.select(
                audit_entries.c.operation, audit_entries.c.action, audit_entries.c.run_id
            ).where(audit_entries.c.operation == "combination")
        ).all()
    assert [tuple(entry) for entry in entries] == [("combination", "link", run_id)]
    verified = runner.invoke(app, ["audit", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["ok"] is True


def test_a_second_link_on_the_same_records_reindexes_none_for_search(linked: Linked) -> None:
    result = runner.invoke(app, ["link", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["person"]["changed_entities"] == 0
    assert "search index refreshed: 0 records indexed" in result.stderr
    # What the first run indexed is still there, under each record's entity.
    with linked.engine.connect() as conn:
        assert search_index.stale_record_ids(conn) == []
        assert conn.execute(sa.select(sa.func.count()).select_from(search_keys)).scalar_one()


def test_db_reindex_rebuilds_the_search_index_whole(linked: Linked) -> None:
    with linked.engine.begin() as conn:
        built = set(conn.execute(sa.select(search_keys)).all())
        conn.execute(search_keys.delete())

    result = runner.invoke(app, ["db", "reindex"])

    assert result.exit_code == 0, result.output
    assert f"search index rebuilt: {len({row.record_id for row in built}):,} records" in (
        result.stderr
    )
    with linked.engine.connect() as conn:
        assert set(conn.execute(sa.select(search_keys)).all()) == built


def test_link_on_an_empty_store_succeeds_with_nothing_to_link(
    db: Engine, settings: Settings
) -> None:
    result = runner.invoke(app, ["link", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [report[kind]["records"] for kind in KINDS] == [0, 0, 0]


def test_link_out_of_memory_says_which_settings_to_change_and_records_a_failed_run(
    db: Engine,
    county: Path,
    county_model: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ingest(county)
    store_person_model(db, county_model)
    monkeypatch.setenv("POLESTAR_LINK_DUCKDB_MEMORY_LIMIT", "2MB")
    get_settings.cache_clear()

    result = runner.invoke(app, ["link", "--json"])

    assert result.exit_code == 1, result.output
    assert "linkage ran out of memory" in result.stderr
    assert "POLESTAR_LINK_DUCKDB_MEMORY_LIMIT" in result.stderr
    assert "2MB" in result.stderr
    assert "SELECT" not in result.output.upper()  # not Splink's SQL
    assert "Traceback" not in result.output
    assert result.stdout == ""
    with db.connect() as conn:
        rows = conn.execute(sa.select(runs.c.status).where(runs.c.command == "link")).all()
    assert [row.status for row in rows] == ["failed"]


# --- polestar link evaluate ------------------------------------------------------------------


def test_evaluate_json_prints_scores_per_kind(linked: Linked) -> None:
    result = runner.invoke(
        app, ["link", "evaluate", "--truth", str(linked.county / "truth.csv"), "--json"]
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1, result.stdout
    report = json.loads(result.stdout)
    assert set(report) == set(KINDS), report
    for kind in KINDS:
        scores = report[kind]
        assert set(scores) == {"records", "missing", "pairwise", "cluster", "blocking_recall"}
        assert scores["records"] > 0, scores
        assert scores["missing"] == 0, scores
        assert set(scores["pairwise"]) == set(scores["cluster"]) == SCORES, scores
        values = [*scores["pairwise"].values(), *scores["cluster"].values()]
        assert all(0.0 <= value <= 1.0 for value in values), scores
        assert 0.0 <= scores["blocking_recall"] <= 1.0, scores


def test_evaluate_counts_every_truth_record(linked: Linked) -> None:
    report = _evaluate(linked.county / "truth.csv")

    truth = _truth_rows(linked.county)
    for kind in KINDS:
        expected = sum(row["kind"] == kind for row in truth)
        assert report[kind]["records"] == expected, (kind, report[kind])


def test_evaluate_never_starts_a_run(linked: Linked) -> None:
    before = (
        _link_runs(linked.engine),
        _count(linked.engine, sa.select(sa.func.count()).select_from(link_models)),
    )

    _evaluate(linked.county / "truth.csv")
    _evaluate(linked.county / "truth.csv")

    after = (
        _link_runs(linked.engine),
        _count(linked.engine, sa.select(sa.func.count()).select_from(link_models)),
    )
    assert after == before == (1, 1)


def test_evaluate_on_an_unlinked_store_neither_links_nor_trains(
    db: Engine, settings: Settings, county: Path
) -> None:
    _ingest(county)

    runner.invoke(app, ["link", "evaluate", "--truth", str(county / "truth.csv"), "--json"])

    assert _link_runs(db) == 0
    assert _count(db, sa.select(sa.func.count()).select_from(link_models)) == 0
    assert _count(db, sa.select(sa.func.count()).select_from(entity_members)) == 0


def test_evaluate_on_a_truth_file_covering_part_of_the_store_counts_only_its_rows(
    linked: Linked, tmp_path: Path
) -> None:
    custody = [row for row in _truth_rows(linked.county) if row["source"] == "custody"]
    truth = _write_truth(tmp_path / "custody-truth.csv", custody)

    report = _evaluate(truth)

    people = sum(row["kind"] == "person" for row in custody)
    places = sum(row["kind"] == "location" for row in custody)
    assert people > 10
    assert (report["person"]["records"], report["person"]["missing"]) == (people, 0)
    assert (report["location"]["records"], report["location"]["missing"]) == (places, 0)
    assert report["vehicle"] == {
        "records": 0,
        "missing": 0,
        "pairwise": None,
        "cluster": None,
        "blocking_recall": None,
    }
    assert report["person"]["pairwise"] is not None


def test_truth_rows_absent_from_the_store_are_counted_missing(
    linked: Linked, tmp_path: Path
) -> None:
    rows = _truth_rows(linked.county)
    absent = [
        {"kind": "person", "source": "custody", "source_key": f"CU-9{n:05d}", "true_id": "P-x"}
        for n in range(3)
    ]
    truth = _write_truth(tmp_path / "truth.csv", [*rows, *absent])

    report = _evaluate(truth)

    assert report["person"]["missing"] == 3, report["person"]
    assert report["person"]["records"] == sum(row["kind"] == "person" for row in rows)
    assert report["vehicle"]["missing"] == report["location"]["missing"] == 0


def test_truth_file_with_missing_columns_is_a_usage_error_naming_them(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("kind,source,key\nperson,custody,CU-000001\n", encoding="utf-8")

    result = runner.invoke(app, ["link", "evaluate", "--truth", str(truth)])

    assert result.exit_code == 2, result.output
    assert "source_key" in result.stderr
    assert "true_id" in result.stderr
    assert "Traceback" not in result.output
    assert _link_runs(db) == 0


def test_truth_file_that_cannot_be_read_is_a_usage_error(
    db: Engine, settings: Settings, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["link", "evaluate", "--truth", str(tmp_path / "nowhere.csv")])

    assert result.exit_code == 2, result.output
    assert "nowhere.csv" in result.stderr
    assert "Traceback" not in result.output


def test_truth_file_that_matches_nothing_fails_the_check(linked: Linked, tmp_path: Path) -> None:
    stranger = {"kind": "person", "source": "elsewhere", "source_key": "X-1", "true_id": "P-1"}
    truth = _write_truth(tmp_path / "truth.csv", [stranger])

    result = runner.invoke(app, ["link", "evaluate", "--truth", str(truth)])

    assert result.exit_code == 1, result.output
    assert "matches no stored record" in result.stderr
    assert "Traceback" not in result.output
