"""Scoring chosen pairs with a stored Splink model, outside a Splink linker.

Incremental assignment and the duplicate warning at entry score a few hundred pairs at a
time; a `Linker` costs more to build and call than the scoring itself (Splink 5's
`predict_between` took a median 140 ms per record here). The model's own SQL is the same,
though: Splink generates it from the settings (comparison vectors, then match weights), and
this module runs that SQL on a table of pairs, so a pair scores exactly as the batch scored
it. The SQL comes from Splink's internal generators, pinned by the lock file; the test
comparing these scores with `Linker.inference.predict` guards an upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from splink.internals.comparison_vector_values import (
    compute_comparison_vector_values_from_id_pairs_sqls,
)
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.settings_creator import SettingsCreator
from sqlglot import exp

from polestar.linkage.sql_python import compile_steps

# Splink's name for term-frequency columns: `tf_<column>`.
TF_PREFIX = "tf_"
# Placeholders for the tables a scoring query reads, replaced on each call.
_PAIRS, _LEFT, _RIGHT = "__polestar_pairs__", "__polestar_left__", "__polestar_right__"


@dataclass(frozen=True)
class Scorer:
    """SQL that scores the pairs of `pairs` (join_key_l, join_key_r) between two tables.

    `left` and `right` hold the person features of `people.FEATURES_SQL` with a `tf_<column>`
    column for each term-frequency-adjusted column; the result has `unique_id_l`,
    `unique_id_r`, `match_weight` and `match_probability`.
    """

    sql: str
    tf_columns: tuple[str, ...]

    def query(self, pairs: str, left: str, right: str) -> str:
        """The scoring SELECT over the named tables."""
        return self.sql.replace(_PAIRS, pairs).replace(_LEFT, left).replace(_RIGHT, right)


def compile_scorer(model: dict[str, Any]) -> Scorer:
    """Compile a stored model (Splink's JSON) into a `Scorer`."""
    steps, tf_columns = _steps(model)
    pairs = f"SELECT join_key_l, join_key_r, 0 AS match_key FROM {_PAIRS}"
    ctes = [f"__splink__blocked_id_pairs AS ({pairs})"]
    ctes += [f"{step['output_table_name']} AS ({step['sql']})" for step in steps[:-1]]
    sql = "WITH " + ",\n".join(ctes) + "\n" + steps[-1]["sql"]
    return Scorer(sql, tf_columns)


class PairScorer:
    """The same scoring SQL, run in Python on one pair at a time (`sql_python`).

    Each record is a mapping of its features and term frequencies (the columns of the
    person index); used where DuckDB's planning would cost more than the scoring: the
    duplicate check at entry.
    """

    def __init__(self, model: dict[str, Any]) -> None:
        steps, self.tf_columns = _steps(model)
        # Step 0 joins the records of each pair; the caller hands the joined pair in. Of the
        # later steps' columns, only those the weight and probability depend on are computed.
        selects = [sqlglot.parse_one(step["sql"], read="duckdb") for step in steps[1:]]
        needed = {"match_weight", "match_probability"}
        columns: list[list[tuple[str, exp.Expression]]] = []
        for select in reversed(selects):
            assert isinstance(select, exp.Select)
            kept = [column for column in select.expressions if column.alias_or_name in needed]
            needed = {c.name for column in kept for c in column.find_all(exp.Column)}
            columns.insert(0, [(column.alias_or_name, column.unalias()) for column in kept])
        self._score = compile_steps(columns)

    def score(self, left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[float, float]:
        """The pair's match weight and probability; `left` is the record Splink puts on the
        left (the smaller unique id)."""
        scored = self._score(left, right)
        return scored["match_weight"], scored["match_probability"]


def _steps(model: dict[str, Any]) -> tuple[list[dict[str, str]], tuple[str, ...]]:
    """Splink's SQL steps from pairs to match probabilities, and the term-frequency columns."""
    model = {
        **model,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }
    settings = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
    steps = compute_comparison_vector_values_from_id_pairs_sqls(
        settings._columns_to_select_for_blocking,
        settings._columns_to_select_for_comparison_vector_values,
        _LEFT,
        _RIGHT,
        None,
        settings.column_info_settings.unique_id_input_column,
    )
    steps += predict_from_comparison_vectors_sqls_using_settings(settings)
    tf_columns = tuple(column.unquote().name for column in settings._term_frequency_columns)
    return steps, tf_columns
