"""Measuring stored entities against a truth file; never starts a linkage run.

Truth rows (`kind, source, source_key, true_id`) join stored records on kind, source and
source key; stored records absent from the truth are ignored, truth rows absent from the
store are counted as missing. Pairwise precision and recall count pairs of records; the
cluster scores are B-cubed (per record, then averaged); blocking recall is the share of true
pairs that the current blocking rules would put in front of the model.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker
from sqlalchemy.engine import Engine

from polestar.errors import InvalidInput
from polestar.linkage import duck
from polestar.linkage.people import load_people
from polestar.settings import Settings
from polestar.store import entities as entity_store
from polestar.store.link_models import latest_model

KINDS = ("person", "vehicle", "location")
TRUTH_COLUMNS = ("kind", "source", "source_key", "true_id")
_BATCH = 100_000

METRICS_SQL = """
WITH cells AS (
    SELECT kind, entity_id, true_id, count(*) AS n FROM evaluated GROUP BY ALL
), by_entity AS (
    SELECT kind, entity_id, sum(n) AS n FROM cells GROUP BY ALL
), by_truth AS (
    SELECT kind, true_id, sum(n) AS n FROM cells GROUP BY ALL
), bcubed AS (
    SELECT c.kind,
        sum(c.n * c.n / e.n) AS precision_sum,
        sum(c.n * c.n / t.n) AS recall_sum,
        sum(c.n) AS records,
        sum(c.n * (c.n - 1) / 2) AS true_positive_pairs
    FROM cells c
    JOIN by_entity e USING (kind, entity_id)
    JOIN by_truth t USING (kind, true_id)
    GROUP BY c.kind
)
SELECT b.kind, b.records, b.precision_sum, b.recall_sum, b.true_positive_pairs,
    (SELECT sum(n * (n - 1) / 2) FROM by_entity WHERE kind = b.kind) AS predicted_pairs,
    (SELECT sum(n * (n - 1) / 2) FROM by_truth WHERE kind = b.kind) AS true_pairs
FROM bcubed b
"""


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _scores(precision: float, recall: float) -> dict[str, float]:
    return {
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(_f1(precision, recall), 6),
    }


def _load_truth(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read the truth file {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in TRUTH_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(
                f"{path} lacks the column(s) {', '.join(missing)}; a truth file has the "
                f"columns {', '.join(TRUTH_COLUMNS)}"
            )
        schema = pa.schema([(name, pa.string()) for name in TRUTH_COLUMNS])
        duck.load_table(con, "truth", schema, _truth_batches(reader))


def _truth_batches(reader: csv.DictReader[str]) -> Any:
    batch: dict[str, list[str]] = {name: [] for name in TRUTH_COLUMNS}
    for row in reader:
        for name in TRUTH_COLUMNS:
            batch[name].append(row[name])
        if len(batch["kind"]) >= _BATCH:
            yield batch
            batch = {name: [] for name in TRUTH_COLUMNS}
    yield batch


def _load_members(con: duckdb.DuckDBPyConnection, engine: Engine) -> None:
    schema = pa.schema([(n, pa.string()) for n in ("kind", "source", "source_key", "entity_id")])

    def batches() -> Any:
        with engine.connect() as conn:
            for kind in KINDS:
                rows = list(entity_store.members(conn, kind))
                yield {
                    "kind": [kind] * len(rows),
                    "source": [r[0] for r in rows],
                    "source_key": [r[1] for r in rows],
                    "entity_id": [r[2] for r in rows],
                }

    duck.load_table(con, "members", schema, batches())


def _person_blocking_recall(con: duckdb.DuckDBPyConnection, engine: Engine) -> float | None:
    """Share of true person pairs the stored model's blocking rules compare."""
    with engine.connect() as conn:
        stored = latest_model(conn, "person")
    if stored is None or load_people(con, engine) == 0:
        return None
    linker = Linker(
        DuckDBAPI(connection=con).register("people"), stored.model, log_level=logging.ERROR
    )
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    row = con.sql(
        f"""
        WITH labelled AS (
            SELECT p.unique_id, t.true_id FROM people p
            JOIN truth t ON t.kind = 'person' AND t.source = p.source
                AND t.source_key = p.source_key
        ), true_pairs AS (
            SELECT l.unique_id AS a, r.unique_id AS b FROM labelled l
            JOIN labelled r ON l.true_id = r.true_id AND l.unique_id < r.unique_id
        ), compared AS (
            SELECT DISTINCT least(join_key_l, join_key_r) AS a,
                greatest(join_key_l, join_key_r) AS b
            FROM {blocked.physical_name}
        )
        SELECT count(*), count(c.a) FROM true_pairs t
        LEFT JOIN compared c ON c.a = t.a::VARCHAR AND c.b = t.b::VARCHAR
        """
    ).fetchall()[0]
    return None if row[0] == 0 else round(row[1] / row[0], 6)


def evaluate(engine: Engine, truth: Path, settings: Settings) -> dict[str, dict[str, Any]]:
    """Compare stored entities with `truth`; returns the scores per kind (CONVENTIONS shape).

    Raises:
        InvalidInput: the truth file cannot be read or lacks a column.
    """
    con = duck.connect(settings)
    try:
        _load_truth(con, truth)
        _load_members(con, engine)
        con.execute(
            "CREATE TABLE evaluated AS SELECT m.kind, m.entity_id, t.true_id "
            "FROM members m JOIN truth t USING (kind, source, source_key)"
        )
        missing = dict(
            con.sql(
                "SELECT t.kind, count(*) FROM truth t ANTI JOIN members m "
                "USING (kind, source, source_key) GROUP BY t.kind"
            ).fetchall()
        )
        metrics = {row[0]: row for row in con.sql(METRICS_SQL).fetchall()}
        report: dict[str, dict[str, Any]] = {}
        for kind in KINDS:
            row = metrics.get(kind)
            records = int(row[1]) if row else 0
            report[kind] = {"records": records, "missing": int(missing.get(kind, 0))}
            if row is None:
                report[kind].update(pairwise=None, cluster=None, blocking_recall=None)
                continue
            _kind, _n, precision_sum, recall_sum, tp, predicted, true = row
            pairwise_recall = tp / true if true else 1.0
            report[kind]["pairwise"] = _scores(
                tp / predicted if predicted else 1.0, pairwise_recall
            )
            report[kind]["cluster"] = _scores(precision_sum / records, recall_sum / records)
            # Vehicles and locations join on exact keys: every compared pair is joined.
            report[kind]["blocking_recall"] = round(pairwise_recall, 6)
        if report["person"]["records"]:
            report["person"]["blocking_recall"] = _person_blocking_recall(con, engine)
        return report
    finally:
        con.close()
