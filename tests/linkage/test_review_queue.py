"""Which joined pairs a run puts in front of a person because the forenames wholly differ, on
DuckDB tables shaped as a linkage run has them (features derived by the run's own SQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from sqlalchemy.engine import Engine

from polestar.linkage import person_model
from polestar.linkage.grounds import FORENAMES_DIFFER, UNCERTAIN
from polestar.linkage.people import PERSON_SCHEMA, PHONE_SCHEMA, PLACE_SCHEMA, derive_features
from polestar.linkage.review_queue import pairs_to_review
from polestar.settings import Settings

# Records by unique id: (forename, surname, date of birth, PNC ID).
McKILLOPS = {
    1: ("William", "McKillop", "1991-06-05", None),
    2: ("William", "McKillop", "1991-06-05", None),
    3: ("David", "McKillop", None, None),  # his relative, no date of birth
}


def _con(records: dict[int, tuple[str, str, str | None, str | None]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    rows = [
        {
            "unique_id": uid,
            "record_id": uid,
            "source": "crime",
            "source_key": f"K-{uid}",
            "forename": forename,
            "surname": surname,
            "dob": dt.date.fromisoformat(dob) if dob else None,
            "gender": None,
            "pnc_id": pnc,
            "ni_number": None,
            "crn": None,
        }
        for uid, (forename, surname, dob, pnc) in records.items()
    ]
    con.register("_raw", pa.Table.from_pylist(rows, schema=PERSON_SCHEMA))
    con.execute("CREATE TABLE person_raw AS SELECT * FROM _raw")
    for name, schema in (("person_phones", PHONE_SCHEMA), ("person_places", PLACE_SCHEMA)):
        con.register(f"_{name}", schema.empty_table())
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")  # noqa: S608 (our names)
    derive_features(con)
    return con


def _queued(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    settings: Settings,
    pairs: list[tuple[int, int, float]],
    clusters: dict[int, int],
) -> list[dict[str, Any]]:
    """Queue from scored `pairs` (left, right, probability) whose records ended in `clusters`."""
    con.register(
        "_predictions",
        pa.Table.from_pylist(
            [
                {"unique_id_l": a, "unique_id_r": b, "match_probability": p, "match_weight": 9.0}
                for a, b, p in pairs
            ]
        ),
    )
    con.execute("CREATE OR REPLACE TABLE predictions AS SELECT * FROM _predictions")
    con.register(
        "_clusters",
        pa.Table.from_pylist(
            [
                {"label": label, "unique_id": uid, "record_id": uid, "source_key": f"K-{uid}"}
                | {"source": "crime"}
                for uid, label in clusters.items()
            ]
        ),
    )
    con.execute("CREATE OR REPLACE TABLE final_clusters AS SELECT * FROM _clusters")
    model = person_model.settings().create_settings_dict("duckdb")
    return pairs_to_review(con, engine, "predictions", model, settings)


def _pairs(items: list[dict[str, Any]], ground: str) -> set[tuple[int, int]]:
    return {(i["record_id_l"], i["record_id_r"]) for i in items if i["queued_because"] == ground}


@pytest.fixture
def all_one(db: Engine) -> dict[int, int]:
    return dict.fromkeys(McKILLOPS, 1)


def test_an_undated_record_joined_only_across_wholly_different_forenames_is_queued(
    db: Engine, settings: Settings, all_one: dict[int, int]
) -> None:
    con = _con(McKILLOPS)
    scored = [(1, 2, 1.0), (1, 3, 0.994), (2, 3, 0.996)]
    items = _queued(con, db, settings, scored, all_one)

    assert _pairs(items, FORENAMES_DIFFER) == {(2, 3)}, "the strongest pair that joined David"
    (item,) = items
    assert (item["source_key_l"], item["source_key_r"]) == ("K-2", "K-3")
    assert item["match_probability"] == pytest.approx(0.996)


@pytest.mark.parametrize(
    ("third", "why"),
    [
        (("Bill", "McKillop", None, None), "a nickname agrees"),
        (("W", "McKillop", None, None), "an initial agrees"),
        (("Wiliam", "McKillop", None, None), "a typo of the forename"),
        (("David", "McKillop", "1991-06-05", None), "both records carry a date of birth"),
    ],
)
def test_a_join_with_agreeing_names_or_dated_records_is_not_queued(
    db: Engine,
    settings: Settings,
    all_one: dict[int, int],
    third: tuple[str, str, str | None, str | None],
    why: str,
) -> None:
    con = _con({**McKILLOPS, 3: third})
    items = _queued(con, db, settings, [(1, 2, 1.0), (1, 3, 0.994), (2, 3, 0.996)], all_one)
    assert not items, why


def test_one_agreeing_pair_or_record_is_enough_to_keep_a_record_out_of_the_queue(
    db: Engine, settings: Settings
) -> None:
    con = _con({**McKILLOPS, 4: ("Dave", "McKillop", "1991-06-05", None)})
    scored = [(1, 2, 1.0), (1, 3, 0.994), (3, 4, 0.999), (1, 4, 0.999)]
    items = _queued(con, db, settings, scored, dict.fromkeys([1, 2, 3, 4], 1))
    assert not items, "David also joined through Dave, whose forename his is a form of"

    con = _con({**McKILLOPS, 4: ("David", "McKillop", "1993-02-01", None)})
    scored = [(1, 2, 1.0), (1, 3, 0.994), (1, 4, 0.999)]
    items = _queued(con, db, settings, scored, dict.fromkeys([1, 2, 3, 4], 1))
    assert not items, "another record of the entity gives his forename"


def test_a_shared_identifier_or_records_left_apart_are_not_this_ground(
    db: Engine, settings: Settings
) -> None:
    alias = {**McKILLOPS, 1: ("William", "McKillop", "1991-06-05", "2010/0012345A")}
    alias[3] = ("David", "McKillop", None, "2010/0012345A")
    con = _con(alias)
    items = _queued(con, db, settings, [(1, 2, 1.0), (1, 3, 0.999)], dict.fromkeys(alias, 1))
    assert not _pairs(items, FORENAMES_DIFFER), "a PNC ID in common is more than a surname"

    con = _con(McKILLOPS)
    apart = {1: 1, 2: 1, 3: 3}
    items = _queued(con, db, settings, [(1, 2, 1.0), (1, 3, 0.994), (2, 3, 0.996)], apart)
    assert not _pairs(items, FORENAMES_DIFFER), "not joined: nothing to undo"


def test_the_forename_ground_comes_first_and_a_pair_is_queued_once(
    db: Engine, settings: Settings, all_one: dict[int, int]
) -> None:
    settings = settings.model_copy(
        update={"link_match_threshold": 0.9, "link_review_band": (0.5, 0.999)}
    )
    con = _con(McKILLOPS)
    items = _queued(con, db, settings, [(1, 2, 0.995), (1, 3, 0.95), (2, 3, 0.96)], all_one)
    assert [(i["record_id_l"], i["record_id_r"], i["queued_because"]) for i in items] == [
        (2, 3, FORENAMES_DIFFER),
        (1, 2, UNCERTAIN),
        (1, 3, UNCERTAIN),
    ]

    limited = settings.model_copy(update={"link_review_limit": 2})
    items = _queued(con, db, limited, [(1, 2, 0.995), (1, 3, 0.95), (2, 3, 0.96)], all_one)
    assert len(items) == 2, "the limit holds across both grounds"
