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

from dataclasses import dataclass
from typing import Any

from splink.internals.comparison_vector_values import (
    compute_comparison_vector_values_from_id_pairs_sqls,
)
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.settings_creator import SettingsCreator

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
    pairs = f"SELECT join_key_l, join_key_r, 0 AS match_key FROM {_PAIRS}"
    ctes = [f"__splink__blocked_id_pairs AS ({pairs})"]
    ctes += [f"{step['output_table_name']} AS ({step['sql']})" for step in steps[:-1]]
    sql = "WITH " + ",\n".join(ctes) + "\n" + steps[-1]["sql"]
    tf_columns = tuple(column.unquote().name for column in settings._term_frequency_columns)
    return Scorer(sql, tf_columns)
