"""Term frequencies: taken from the batch run that measured them, handed back to Splink later.

Splink adjusts an exact match on forename, surname or postcode by how common the value is
among the run's records. An explanation scores two records on their own, where "how common"
cannot be measured, so each run stores its frequencies and the scorer joins them back on.
"""

from __future__ import annotations

from typing import Any

import duckdb
from splink import Linker


def adjusted_columns(model: dict[str, Any]) -> list[str]:
    """The features the model's levels adjust by term frequency (`fn`, `sn`, `postcode`)."""
    return sorted(
        {
            level["tf_adjustment_column"]
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def measured(
    con: duckdb.DuckDBPyConnection, linker: Linker, columns: list[str]
) -> dict[str, list[tuple[str, float]]]:
    """Each column's (value, frequency) pairs as the run's prediction used them (Splink caches
    the tables it computed while predicting, so this reads them rather than recomputing)."""
    found: dict[str, list[tuple[str, float]]] = {}
    for column in columns:
        table = linker.table_management.compute_tf_table(column).physical_name
        found[column] = [
            (str(value), float(frequency))
            for value, frequency in con.sql(
                f'SELECT "{column}", "tf_{column}" FROM {table} WHERE "{column}" IS NOT NULL'
            ).fetchall()
        ]
    return found
