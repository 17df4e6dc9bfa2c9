"""The duplicate check's Python path gives exactly what DuckDB gives (issue 5, item 1).

`sql_python` runs the model's SQL in Python; `person_features` mirrors FEATURES_SQL. Each is
held to DuckDB here: expressions on awkward values (NULLs, short strings, accents), every
feature of every person in a county, and the score of every candidate pair of it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from splink import block_on
from sqlalchemy.engine import Engine

from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage import duck, person_model
from polestar.linkage.one_record import OneRecord, RuleKeys, places_of
from polestar.linkage.people import load_people
from polestar.linkage.person_features import person_features
from polestar.linkage.person_index import key_rules, open_index, probe_key, stored_keys_sql
from polestar.linkage.person_model import CONFLICT
from polestar.linkage.run import link
from polestar.linkage.scoring import PairScorer
from polestar.linkage.sql_python import Unsupported, compile_pair, compile_row
from polestar.settings import Settings
from polestar.store import linkable
from tests.linkage.models import ACTOR, store_person_model

# Expressions of the shapes the person model and its blocking rules use.
PAIR_EXPRESSIONS = [
    CONFLICT,
    "l.sn = r.sn AND substr(l.fn, 1, 2) = substr(r.fn, 1, 2) AND (l.dob IS NULL OR r.dob IS NULL)",
    "l.fn = r.fn AND substr(l.sn, 1, 3) = substr(r.sn, 1, 3) AND r.dob IS NULL",
    "jaro_winkler_similarity(fn_l, sn_r) >= 0.9 AND jaro_winkler_similarity(sn_l, fn_r) >= 0.9",
    "(length(fn_l) = 1 OR length(fn_r) = 1) AND substr(fn_l, 1, 1) = substr(fn_r, 1, 1)",
    "least(length(fn_l), length(fn_r)) >= 2 "
    "AND (starts_with(fn_l, fn_r) OR starts_with(fn_r, fn_l))",
    "CASE WHEN fn_l IS NULL OR fn_r IS NULL THEN -1 WHEN fn_l = fn_r THEN 2 "
    "WHEN jaro_winkler_similarity(fn_l, fn_r) >= 0.75 THEN 1 ELSE 0 END",
    "coalesce(yob_l - yob_r, yob_r, 0) * 2 + abs(coalesce(yob_l, 0) - 1990)",
    "greatest(coalesce(tf_l, tf_r), coalesce(tf_r, tf_l), cast(0.0 as float8))",
    "cast(-3.5 as float8) - log2(greatest(tf_l, tf_r, cast(0.001 as float8)))",
    "NOT (dob_l IS DISTINCT FROM dob_r) OR dob_l <> dob_r",
    "POWER(cast(2 as float8), -(cast(yob_l as float8) / 1000))",
    # Unrestricted (`CA`, `ABC`: 2, where the restricted form says 3), over UTF-8 bytes.
    "damerau_levenshtein(fn_l, sn_r)",
]
NAMES = st.sampled_from(
    [None, "", "J", "JO", "JOHN", "JHON", "JON", "SMITH", "SMYTH", "ÉLOÏSE", "ELOISE", "CA", "ABC"]
)
ROW = st.fixed_dictionaries(
    {
        "fn": NAMES,
        "sn": NAMES,
        "dob": st.sampled_from([None, "1990-01-02", "1990-02-01", "1991-01-02"]),
        "dob_swapped": st.sampled_from([None, "1990-01-02", "1990-02-01"]),
        "dob_md": st.sampled_from([None, "01-02", "02-01"]),
        "yob": st.sampled_from([None, 1990, 1991, 2004]),
        "gender": st.sampled_from([None, "M", "F"]),
        "tf": st.sampled_from([None, 0.5, 0.001, 0.25]),
    }
)


@settings(max_examples=300, deadline=None)
@given(left=ROW, right=ROW)
def test_expressions_evaluate_as_duckdb_evaluates_them(
    left: dict[str, Any], right: dict[str, Any]
) -> None:
    columns = {
        f"{c}_{side}": v for side, row in (("l", left), ("r", right)) for c, v in row.items()
    }
    values = ", ".join(f"? AS {name}" for name in columns)
    for sql in PAIR_EXPRESSIONS:
        query = f"SELECT {_as_pair_columns(sql)} FROM (SELECT {values})"  # noqa: S608
        found = duckdb.execute(query, list(columns.values())).fetchone()
        assert found is not None
        got = compile_pair(sql)(left, right)
        if isinstance(found[0], float):
            assert got == pytest.approx(found[0], rel=1e-12), sql
        else:
            assert got == found[0], sql


def _as_pair_columns(sql: str) -> str:
    """`l.x` as the pair-table column `x_l`, so DuckDB reads the same values."""
    return re.sub(r"\b([lr])\.(\w+)", r"\2_\1", sql)


def test_a_key_is_computed_from_one_record() -> None:
    key = compile_row("substr(l.fn, 1, 2)")
    assert key({"fn": "JOHN"}) == "JO"
    assert key({"fn": None}) is None


def test_an_expression_python_cannot_run_is_refused_when_compiled() -> None:
    with pytest.raises(Unsupported, match="Lower"):
        compile_pair("lower(fn_l) = fn_r")


def test_an_older_models_exploded_rule_keys_a_record_in_python_as_in_sql() -> None:
    """Person models trained before the nickname rule was dropped (docs/linkage.md) still
    hold it, an array exploded into one key per form: both ways give each form its key."""
    model = person_model.settings().create_settings_dict("duckdb")
    nicknames = block_on("fn_forms", "dob", arrays_to_explode=["fn_forms"])
    model["blocking_rules_to_generate_predictions"].append(
        nicknames.create_blocking_rule_dict("duckdb")
    )
    exploded = [rule for rule in key_rules(model) if rule.explode]
    assert [rule.explode for rule in exploded] == [("fn_forms",)]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE people AS SELECT 7 AS unique_id, ['BILL', 'WILLIAM'] AS fn_forms, "
        "'1975-06-05' AS dob UNION ALL SELECT 8, NULL, '1975-06-05'"
    )
    in_sql = con.sql(stored_keys_sql("people", exploded)).fetchall()
    number = exploded[0].number
    expected = {f"{number}S|BILL|1975-06-05", f"{number}S|WILLIAM|1975-06-05"}
    assert {key for key, uid in in_sql if uid == 7} == expected
    assert [uid for _key, uid in in_sql if uid == 8] == []
    keys = RuleKeys.of(exploded[0]).keys
    assert set(keys({"fn_forms": ["BILL", "WILLIAM"], "dob": "1975-06-05"})) == expected
    assert list(keys({"fn_forms": None, "dob": "1975-06-05"})) == []


@pytest.fixture
def linked(db: Engine, settings: Settings, split: tuple[Path, Path, Path], model: Any) -> Engine:
    """The whole split county ingested and linked with the shared model."""
    ingest(db, plan_inputs([split[2]]), settings, actor=ACTOR)
    store_person_model(db, model)
    link(db, settings, actor=ACTOR, warn=lambda _message: None)
    return db


def test_person_features_in_python_equal_features_sql(linked: Engine, settings: Settings) -> None:
    con = duck.connect(settings)
    assert load_people(con, linked) > 500
    columns = [d[0] for d in con.sql("FROM people LIMIT 0").description]
    expected = {
        row[0]: dict(zip(columns, row, strict=True)) for row in con.sql("FROM people").fetchall()
    }
    with linked.connect() as conn:
        people = [
            dict(zip(batch, values, strict=True))
            for batch in linkable.person_batches(conn)
            for values in zip(*batch.values(), strict=True)
        ]
        phones = _least(linkable.phone_batches(conn))
        homes, places = places_of(linkable.place_batches(conn))
    assert len(homes) > 500
    assert sum(len(keys) for keys in places.values()) > 500
    forms = {
        name: list(found)
        for name, found in con.sql(
            "SELECT name, list(form) FROM name_forms GROUP BY name"
        ).fetchall()
    }
    assert len(people) == len(expected)
    for person in people:
        key = (person["record_id"], person["source_key"])
        ours = person_features(person, homes.get(key), phones.get(key), forms, places.get(key, ()))
        theirs = expected[person["unique_id"]]
        theirs["fn_forms"] = sorted(theirs["fn_forms"]) if theirs["fn_forms"] is not None else None
        assert ours == theirs


def _least(batches: Any) -> dict[tuple[int, str], Any]:
    least: dict[tuple[int, str], Any] = {}
    for batch in batches:
        value_column = next(c for c in batch if c not in ("record_id", "source_key"))
        for record_id, key, value in zip(
            batch["record_id"], batch["source_key"], batch[value_column], strict=True
        ):
            least[(record_id, key)] = min(value, least.get((record_id, key), value))
    return least


def test_every_candidate_pair_scores_in_python_as_in_splinks_sql(
    linked: Engine, settings: Settings
) -> None:
    index = open_index(linked, settings)
    assert index is not None
    one = OneRecord(index)
    con = index.con
    people = [
        dict(zip(one.columns, row, strict=True)) for row in con.sql("FROM idx.people").fetchall()
    ]
    by_id = {row["unique_id"]: row for row in people}
    # The pairs the index's keys give, as a new arrival of each record would find them.
    pairs = set()
    for row in people:
        probes = sorted({probe_key(k) for rule in one.rule_keys for k in rule.keys(row)})
        for _key, other in index.lookup_keys(probes):
            if other != row["unique_id"]:
                pairs.add((min(other, row["unique_id"]), max(other, row["unique_id"])))
    assert len(pairs) > 1_000
    stored: dict[int, set[str]] = {}
    for key, uid in con.sql("FROM idx.keys").fetchall():
        stored.setdefault(uid, set()).add(key)
    for row in people:  # the keys a record is found by, computed in Python and in SQL
        ours = {k for rule in one.rule_keys for k in rule.keys(row)}
        assert ours == stored.get(row["unique_id"], set()), row["unique_id"]
    con.execute("INSERT INTO involved FROM idx.people")
    con.executemany("INSERT INTO pairs VALUES (?, ?)", sorted(pairs))
    scored = con.execute(index.scorer.query("pairs", "involved", "involved")).fetchall()
    assert len(scored) == len(pairs)
    scorer = PairScorer(index.model)
    for weight, probability, left, right, *_match_key in scored:
        ours = scorer.score(by_id[left], by_id[right])
        assert ours == pytest.approx((weight, probability), rel=1e-9, abs=1e-12), (left, right)
    index.close()
