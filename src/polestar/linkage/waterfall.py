"""Splink's waterfall for two sets of person records: the prior, each comparison's level and
weight (with its term-frequency adjustment), the final match weight and probability.

The records are loaded into a small DuckDB as `person_raw`, `person_phones` and
`person_places`, their features derived by the batch's own `FEATURES_SQL`, and every pair
across the two sides scored by Splink (`compare_records`, its real-time path, with its SQL
cached per model) with the stored model and term frequencies, so a pair scores here exactly
as it did in the run those came from.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, SettingsCreator
from splink.internals.realtime import compare_records
from splink.internals.waterfall_chart import record_to_waterfall_data

from polestar.linkage import term_frequencies
from polestar.linkage.locations import json_lines
from polestar.linkage.people import (
    PERSON_SCHEMA,
    PHONE_SCHEMA,
    PLACE_SCHEMA,
    derive_features,
)

# Splink's comparison vector value of a null level: a field missing on either side.
_NULL_LEVEL = -1
# The features Splink's stock levels name (`Exact match on sn`) and the comparisons holding
# them, as a reviewer says them.
_FEATURES = {
    "fn": "forename",
    "sn": "surname",
    "forename": "forename",
    "surname": "surname",
    "dob": "date of birth",
    "gender": "sex",
    "postcode": "home postcode",
    "sector": "postcode sector",
    "outcode": "postcode district",
    "phone": "phone number",
    "pnc_id": "PNC ID",
    "crn": "CRN",
    "ni_number": "NI number",
}
_STOCK_LEVELS = (
    (re.compile(r"^Exact match on (\w+)$"), "{feature} equal"),
    (re.compile(r"^(\w+) is NULL$"), "{feature} missing on one side or both"),
    (
        re.compile(r"^Jaro-Winkler distance of (\w+) >= ([\d.]+)$"),
        "{feature} spelt alike (Jaro-Winkler similarity at least {value})",
    ),
)


@dataclass(frozen=True)
class Candidate:
    """One person row as the scorer takes it: `person` holds PERSON_SCHEMA's columns (a field
    the viewer may not see is None), the phones linked from the row, and its places: each a
    location's fields (`lines` a list) with the `role` tying it to the person (`resides-at`
    for a home, `reporter` for where an event they reported happened)."""

    person: Mapping[str, Any]
    phones: tuple[str, ...] = ()
    places: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Step:
    """One comparison in the waterfall.

    Attributes:
        comparison: the comparison's name (`forename`, `dob`, `pnc_id`, …).
        level: the label of the level the pair fell in.
        missing: the null level: a value absent (or not visible) on either side; weighs 0.
        weight: the level's match weight, log2(m / u).
        tf_weight: the term-frequency adjustment, for comparisons that have one.
        m_probability, u_probability: the level's trained parameters (None for null levels).
    """

    comparison: str
    level: str
    missing: bool
    weight: float
    tf_weight: float | None
    m_probability: float | None
    u_probability: float | None

    @property
    def total(self) -> float:
        return self.weight + (self.tf_weight or 0.0)


@dataclass(frozen=True)
class Waterfall:
    """The best-scoring pair's waterfall: `left` and `right` index the candidates scored."""

    left: int
    right: int
    prior: float
    steps: tuple[Step, ...]
    match_weight: float
    match_probability: float


def _tables(candidates: Sequence[Candidate]) -> dict[str, pa.Table]:
    people = [{**c.person, "unique_id": index} for index, c in enumerate(candidates)]
    phones = [
        {"record_id": c.person["record_id"], "source_key": c.person["source_key"], "phone": p}
        for c in candidates
        for p in c.phones
    ]
    places = [
        {
            **{column: place.get(column) for column in PLACE_SCHEMA.names},
            "record_id": c.person["record_id"],
            "source_key": c.person["source_key"],
            "lines": json_lines(place.get("lines")),
        }
        for c in candidates
        for place in c.places
    ]
    return {
        "person_raw": pa.Table.from_pylist(people, schema=PERSON_SCHEMA),
        "person_phones": pa.Table.from_pylist(phones, schema=PHONE_SCHEMA),
        "person_places": pa.Table.from_pylist(places, schema=PLACE_SCHEMA),
    }


def _load(con: duckdb.DuckDBPyConnection, candidates: Sequence[Candidate]) -> None:
    """`candidates` as the batch's input tables, then `people` by the batch's own SQL."""
    for name, table in _tables(candidates).items():
        con.register("_rows", table)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _rows")
        con.unregister("_rows")
    derive_features(con)


@dataclass(frozen=True)
class _Compiled:
    """A model parsed once: Splink's settings object, the cache key of its scoring SQL, and the
    columns each comparison reads (Splink works them out with sqlglot, which is slow)."""

    key: str
    settings: Any
    columns: dict[Any, tuple[list[str], list[str]]]


_COMPILED: dict[str, _Compiled] = {}
_COMPILED_LIMIT = 8  # a store holds a few model versions; tests hold several stores


def _compiled(model: dict[str, Any]) -> _Compiled:
    """Parsing a model and generating its SQL takes about a second; scoring two records takes
    milliseconds, so both are done once per model and process (keyed by the model's content)."""
    key = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= _COMPILED_LIMIT:
            _COMPILED.clear()
        settings = SettingsCreator.from_path_or_dict(copy.deepcopy(model)).get_settings("duckdb")
        columns = {}
        for comparison in settings.comparisons:
            used = comparison._input_columns_used_by_case_statement
            columns[comparison] = (
                [column.unquote().name_l for column in used],
                [column.unquote().name_r for column in used],
            )
        found = _COMPILED[key] = _Compiled(f"polestar-person-{key}", settings, columns)
    return found


def in_words(comparison: str, label: str) -> str:
    """A level's label as a reviewer reads it: Splink's stock labels name a feature column
    (`Exact match on sn`, `dob is NULL`) and say `All other comparisons`; our own levels are
    worded already and pass through, as does any label a stored model words otherwise."""
    if label == "All other comparisons":
        return _sentence(f"{_FEATURES.get(comparison, comparison)} differs (no level above)")
    for pattern, words in _STOCK_LEVELS:
        if found := pattern.match(label):
            feature = _FEATURES.get(found.group(1), found.group(1))
            value = found.group(2) if found.lastindex == 2 else ""
            return _sentence(words.format(feature=feature, value=value))
    return label


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _steps(record: dict[str, Any], compiled: _Compiled) -> tuple[float, tuple[Step, ...]]:
    """Splink's own waterfall rows for one scored pair, folded into one step per comparison."""
    # Splink's waterfall chart data, untyped in Splink; its rows are plain dicts.
    rows = record_to_waterfall_data(  # type: ignore[no-untyped-call]
        record, compiled.settings, hide_details=True, _cols_cache=compiled.columns
    )
    prior = float(rows[0]["log2_bayes_factor"])
    steps: list[Step] = []
    tf: dict[str, float] = {}
    for row in rows[1:-1]:
        if row["term_frequency_adjustment"]:
            tf[row["column_name"].removeprefix("tf_")] = float(row["log2_bayes_factor"])
    for row in rows[1:-1]:
        if row["term_frequency_adjustment"]:
            continue
        name = row["column_name"]
        missing = row["comparison_vector_value"] == _NULL_LEVEL
        steps.append(
            Step(
                comparison=name,
                level=in_words(name, str(row["label_for_charts"])),
                missing=missing,
                weight=float(row["log2_bayes_factor"]),
                tf_weight=tf.get(name),
                m_probability=None if missing else row["m_probability"],
                u_probability=None if missing else row["u_probability"],
            )
        )
    return prior, tuple(steps)


Frequencies = Callable[[dict[str, set[str]]], Mapping[str, Mapping[str, float]]]


def _with_frequencies(
    con: duckdb.DuckDBPyConnection, columns: list[str], frequencies: Frequencies
) -> str:
    """`people` with a `tf_<column>` for each adjusted feature, from the stored frequencies
    (a value the run never saw gets none, so no adjustment); returns the SELECT."""
    held = {
        column: {
            str(value)
            for (value,) in con.sql(
                f'SELECT DISTINCT "{column}" FROM people WHERE "{column}" IS NOT NULL'
            ).fetchall()
        }
        for column in columns
    }
    found = frequencies(held)
    joins = []
    for column in columns:
        values = found.get(column, {})
        lookup = pa.table(
            {
                column: pa.array(list(values), pa.string()),
                f"tf_{column}": pa.array(list(values.values()), pa.float64()),
            }
        )
        con.register(f"_tf_{column}", lookup)
        joins.append(f'LEFT JOIN _tf_{column} USING ("{column}")')
    extra = "".join(f', _tf_{column}."tf_{column}"' for column in columns)
    return f"SELECT people.*{extra} FROM people {' '.join(joins)}"


def score(
    model: dict[str, Any],
    frequencies: Frequencies,
    left: Sequence[Candidate],
    right: Sequence[Candidate],
) -> Waterfall:
    """Score every left × right pair with `model`; the strongest pair's waterfall.

    Args:
        model: Splink's model JSON, as stored in `link_models`.
        frequencies: looks up stored term frequencies, given the values of each adjusted
            feature the candidates hold (feature → values → value → frequency).
        left, right: at least one candidate each.
    """
    compiled = _compiled(model)
    con = duckdb.connect()
    try:
        _load(con, [*left, *right])
        select = _with_frequencies(con, term_frequencies.adjusted_columns(model), frequencies)
        sides = [
            con.sql(
                f"{select} WHERE unique_id {op} {len(left)} ORDER BY unique_id"
            ).to_arrow_table()
            for op in ("<", ">=")
        ]
        scored = compare_records(
            sides[0],
            sides[1],
            model,
            DuckDBAPI(connection=con),
            sql_cache_key=compiled.key,
        ).as_record_list()
    finally:
        con.close()
    best = max(scored, key=lambda r: (r["match_weight"], -r["unique_id_l"], -r["unique_id_r"]))
    prior, steps = _steps(best, compiled)
    return Waterfall(
        left=int(best["unique_id_l"]),
        right=int(best["unique_id_r"]) - len(left),
        prior=prior,
        steps=steps,
        match_weight=float(best["match_weight"]),
        match_probability=float(best["match_probability"]),
    )
