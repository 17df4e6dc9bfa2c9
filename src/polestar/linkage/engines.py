"""Scoring person pairs on an engine: Splink on DuckDB (one machine) or on Spark (a cluster).

Only the scoring moves: either engine leaves the pairs it scored (at least those at or above
the threshold) in a table of the run's DuckDB, and the connected components, constrained
clustering and stable ids downstream are one code path whatever scored them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker
from splink.clustering import cluster_pairwise_predictions_at_threshold

from polestar.errors import InvalidInput
from polestar.linkage import EngineName
from polestar.settings import Settings


@dataclass(frozen=True)
class Scored:
    """Tables of the run's DuckDB: scored pairs and their components; pairs scored in all."""

    predictions: str
    components: str
    pairs: int


def score(
    engine: EngineName,
    con: duckdb.DuckDBPyConnection,
    model: dict[str, Any],
    duckdb_linker: Callable[[Any], Linker],
    settings: Settings,
) -> Scored:
    """Score the blocked pairs of `people` with `model`, then find components at the threshold.

    Args:
        engine: where the pairs are scored.
        con: the run's DuckDB, holding the `people` features.
        model: the stored Splink model (JSON written for DuckDB).
        duckdb_linker: a DuckDB linker on `people` for a model.
        settings: the threshold, and the Spark master for Spark.
    """
    if engine == "spark":
        try:
            # pyspark is an optional extra: imported only when a run asks for Spark.
            from polestar.linkage import spark
        except ImportError as exc:
            raise InvalidInput(
                f"the Spark engine needs the `spark` extra ({exc.name} is missing): "
                "install it with `uv sync --extra spark`"
            ) from exc
        predictions, pairs = spark.predict(con, model, settings)
    else:
        predictions = duckdb_linker(model).inference.predict(warning_mode="never").physical_name
        pairs = int(con.sql(f"SELECT count(*) FROM {predictions}").fetchall()[0][0])
    # Components on DuckDB for both engines: the pairs at the threshold are few (about one per
    # record), and Splink's iterative components on Spark took minutes on a small county.
    components = cluster_pairwise_predictions_at_threshold(
        "people",
        predictions,
        DuckDBAPI(connection=con),
        "unique_id",
        threshold_match_probability=settings.link_match_threshold,
    )
    return Scored(predictions, components.physical_name, pairs)
