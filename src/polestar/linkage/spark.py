"""Splink on Spark: the stored person model scores the run's records on a Spark session.

Features stay derived in the run's DuckDB (one definition); the `people` table goes to Spark
as Arrow, Spark blocks and scores every candidate pair, and only the pairs at or above the
threshold come back, so components, constrained clustering and stable ids run the same code
as on DuckDB. pyspark is the optional `spark` extra: nothing imports this module until a run
asks for Spark.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import sqlglot
from pyspark.sql import SparkSession
from pyspark.sql.types import DoubleType, IntegerType
from rapidfuzz.distance import JaroWinkler
from splink import Linker
from splink.backends.spark import SparkAPI
from sqlglot import exp

from polestar.linkage.sql_python import damerau_levenshtein
from polestar.settings import Settings

# A local session sized for one machine's linkage: few partitions (Spark's default of 200
# turns a small county into thousands of empty tasks), no web UI, bound to loopback. A cluster
# (`POLESTAR_SPARK_MASTER` not `local…`) keeps its own spark-defaults.
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Compiling whole-stage code for Splink's wide CASE expressions costs more than running
    # them interpreted on a county-sized table.
    "spark.sql.codegen.wholeStage": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}


# Splink's Jaro-Winkler jar for Spark disagrees with DuckDB's `jaro_winkler_similarity` (it
# scores PAKER/PARKER under 0.9, DuckDB over), which would move pairs between levels. DuckDB's
# is rapidfuzz's algorithm, and rapidfuzz gives the same value bit for bit on the features'
# letters-only keys, so Spark calls rapidfuzz through this Python UDF (executors need Polestar
# with its `spark` extra installed).
JARO_WINKLER = "polestar_jaro_winkler"
# Spark SQL has no Damerau-Levenshtein: DuckDB's, as the duplicate check at entry runs it.
DAMERAU_LEVENSHTEIN = "polestar_damerau_levenshtein"


def _jaro_winkler(left: str | None, right: str | None) -> float | None:
    """DuckDB's `jaro_winkler_similarity`, NULL for a NULL name as there."""
    if left is None or right is None:
        return None
    return float(JaroWinkler.similarity(left, right))


def _damerau_levenshtein(left: str | None, right: str | None) -> int | None:
    return None if left is None or right is None else damerau_levenshtein(left, right)


@contextmanager
def session(settings: Settings) -> Iterator[SparkSession]:
    """A Spark session on `POLESTAR_SPARK_MASTER` with DuckDB's Jaro-Winkler and
    Damerau-Levenshtein registered."""
    master = settings.spark_master
    builder = SparkSession.builder.master(master).appName("polestar-link")
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Python workers must be this interpreter (with rapidfuzz), not `python3` on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.udf.register(JARO_WINKLER, _jaro_winkler, DoubleType())
    spark.udf.register(DAMERAU_LEVENSHTEIN, _damerau_levenshtein, IntegerType())
    try:
        yield spark
    finally:
        spark.stop()


def _spark_sql(condition: str) -> str:
    """A comparison or blocking condition written in DuckDB SQL, in Spark SQL.

    sqlglot translates quoting and most functions; those it cannot know are Jaro-Winkler
    (`JARO_WINKLER`, DuckDB's algorithm), Damerau-Levenshtein (`DAMERAU_LEVENSHTEIN`, which
    Spark lacks) and list overlap (`arrays_overlap`; sqlglot would write DuckDB's `&&`). Each
    keeps DuckDB's semantics for the values features hold: names of upper-case letters only
    (Jaro-Winkler on characters equals DuckDB's on bytes there), lists without NULL elements;
    Damerau-Levenshtein counts bytes, as DuckDB does, whatever the text.
    """

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this=JARO_WINKLER, expressions=[node.this, node.expression])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "damerau_levenshtein":
            return exp.Anonymous(this=DAMERAU_LEVENSHTEIN, expressions=node.expressions)
        if isinstance(node, exp.ArrayOverlaps):
            return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
        return node

    tree = sqlglot.parse_one(condition, read="duckdb").transform(rename)
    return tree.sql(dialect="spark")


def spark_model(model: dict[str, Any]) -> dict[str, Any]:
    """The stored model (Splink JSON written for DuckDB) with its SQL in Spark's dialect.

    Only SQL changes: levels, parameters and blocking rules are the stored ones, so any model
    version in `link_models`, old or new, scores the same on either engine.
    """
    translated = copy.deepcopy(model)
    translated["sql_dialect"] = "spark"
    for comparison in translated["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"] != "ELSE":
                level["sql_condition"] = _spark_sql(level["sql_condition"])
            level.pop("sql_dialect", None)
    for rule in translated["blocking_rules_to_generate_predictions"]:
        rule["blocking_rule"] = _spark_sql(rule["blocking_rule"])
        rule["sql_dialect"] = "spark"
    return translated


def predict(
    con: duckdb.DuckDBPyConnection, model: dict[str, Any], settings: Settings
) -> tuple[str, int]:
    """Score `people` on Spark; the pairs at or above the threshold land in the run's DuckDB.

    Returns the DuckDB table of those pairs and how many pairs Spark scored in all.
    """
    threshold = float(settings.link_match_threshold)
    with session(settings) as spark:
        # `persist` keeps Splink's intermediate tables in executor memory (spilling to disk)
        # instead of its default parquet checkpoints, which need a checkpoint directory.
        db_api = SparkAPI(  # type: ignore[no-untyped-call]  # Splink leaves it unannotated
            spark_session=spark, break_lineage_method="persist", register_udfs_automatically=False
        )
        people = db_api.register(
            con.sql("SELECT * FROM people").to_arrow_table(), table_name="people"
        )
        linker = Linker(people, spark_model(model), log_level=logging.ERROR)
        predictions = linker.inference.predict(warning_mode="never").as_spark_dataframe()
        pairs = predictions.count()
        joined = predictions.where(f"match_probability >= {threshold}").select(
            "unique_id_l", "unique_id_r", "match_weight", "match_probability"
        )
        con.register("_joined", joined.toArrow())
        con.execute("CREATE OR REPLACE TABLE spark_predictions AS SELECT * FROM _joined")
        con.unregister("_joined")
    return "spark_predictions", pairs
