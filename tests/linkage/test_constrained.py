"""Clustering with cannot-link constraints, on DuckDB tables shaped as a linkage run has them."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from polestar.linkage.constrained import cluster
from polestar.linkage.person_model import CONFLICT
from polestar.store.decisions import Constraints


def _person(unique_id: int, dob: str | None, gender: str | None) -> dict[str, object]:
    born = dt.date.fromisoformat(dob) if dob else None
    swapped = None
    if born and born.day <= 12 and born.day != born.month:
        swapped = born.replace(month=born.day, day=born.month).isoformat()
    return {
        "unique_id": unique_id,
        "record_id": unique_id,
        "source_key": f"K-{unique_id}",
        "source": "custody",
        "dob": dob,
        "dob_swapped": swapped,
        "dob_md": born.strftime("%m-%d") if born else None,
        "yob": born.year if born else None,
        "gender": gender,
    }


def _components(edges: list[tuple[int, int]], ids: list[int]) -> dict[int, int]:
    parent = {i: i for i in ids}

    def find(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for left, right in edges:
        parent[find(left)] = find(right)
    return {i: find(i) for i in ids}


def run(
    people: list[dict[str, object]],
    pairs: list[tuple[int, int, float]],
    threshold: float = 0.99,
    decided: Constraints | None = None,
    conflict: str = CONFLICT,
) -> tuple[set[frozenset[str]], int]:
    """Cluster `people` on scored `pairs` (left, right, match weight) → clusters of keys."""
    con = duckdb.connect()
    con.register("_people", pa.Table.from_pylist(people))
    con.execute("CREATE TABLE people AS SELECT * FROM _people")
    rows = [
        {
            "unique_id_l": left,
            "unique_id_r": right,
            "match_weight": weight,
            "match_probability": 2**weight / (1 + 2**weight),
        }
        for left, right, weight in pairs
    ]
    schema = pa.schema(
        [
            ("unique_id_l", pa.int64()),
            ("unique_id_r", pa.int64()),
            ("match_weight", pa.float64()),
            ("match_probability", pa.float64()),
        ]
    )
    con.register("_predictions", pa.Table.from_pylist(rows, schema=schema))
    con.execute("CREATE TABLE predictions AS SELECT * FROM _predictions")
    ids = [int(str(p["unique_id"])) for p in people]
    joined = [
        (p["unique_id_l"], p["unique_id_r"]) for p in rows if p["match_probability"] >= threshold
    ]
    roots = _components(joined, ids)  # type: ignore[arg-type]
    con.register(
        "_clustered", pa.table({"cluster_id": list(roots.values()), "unique_id": list(roots)})
    )
    con.execute("CREATE TABLE clustered AS SELECT * FROM _clustered")
    clusters, held_apart = cluster(con, "predictions", "clustered", threshold, conflict, decided)
    return {frozenset(m.key[1] for m in c) for c in clusters}, held_apart


def test_a_name_only_record_joins_the_person_it_matches_best_and_does_not_chain_two() -> None:
    people = [
        _person(1, "1980-01-21", "M"),
        _person(2, None, None),  # a 999 caller: a name and a phone
        _person(3, "1975-06-30", "M"),
        _person(4, "1975-06-30", None),
    ]
    clusters, held_apart = run(people, [(1, 2, 12.0), (2, 3, 9.0), (3, 4, 20.0)])

    assert clusters == {frozenset({"K-1", "K-2"}), frozenset({"K-3", "K-4"})}
    assert held_apart == 1


def test_both_sexes_in_one_chain_are_held_apart() -> None:
    people = [_person(1, None, "F"), _person(2, None, None), _person(3, None, "M")]
    clusters, held_apart = run(people, [(1, 2, 9.0), (2, 3, 11.0)])

    assert clusters == {frozenset({"K-2", "K-3"}), frozenset({"K-1"})}
    assert held_apart == 1


@pytest.mark.parametrize(
    ("dob", "other"),
    [("1980-03-04", "1980-04-03"), ("1980-03-04", "1981-03-04"), ("1980-03-04", "1980-03-04")],
    ids=["day and month transposed", "year off by one", "equal"],
)
def test_dates_of_birth_one_person_may_carry_do_not_split(dob: str, other: str) -> None:
    people = [_person(1, dob, "M"), _person(2, None, None), _person(3, other, "M")]
    clusters, held_apart = run(people, [(1, 2, 9.0), (2, 3, 11.0)])

    assert clusters == {frozenset({"K-1", "K-2", "K-3"})}
    assert held_apart == 0


def test_pairs_below_the_threshold_neither_join_nor_split() -> None:
    people = [_person(1, "1980-01-21", "M"), _person(2, None, None), _person(3, "1990-01-21", "M")]
    clusters, held_apart = run(people, [(1, 2, 12.0), (2, 3, 1.0)])

    assert clusters == {frozenset({"K-1", "K-2"}), frozenset({"K-3"})}
    assert held_apart == 0


def _key(unique_id: int) -> tuple[int, str]:
    return (unique_id, f"K-{unique_id}")


def test_a_must_link_joins_records_whose_pair_was_never_scored() -> None:
    people = [_person(1, "1980-01-21", "M"), _person(2, None, None), _person(3, None, "M")]
    decided = Constraints(must=[(_key(1), _key(3))])
    clusters, _ = run(people, [(1, 2, 12.0)], decided=decided)

    assert clusters == {frozenset({"K-1", "K-2", "K-3"})}


def test_a_cannot_link_splits_a_component_strongest_pair_first() -> None:
    people = [_person(1, "1980-01-21", "M"), _person(2, None, None), _person(3, None, "M")]
    decided = Constraints(cannot=[(_key(1), _key(3))])
    clusters, held_apart = run(people, [(1, 2, 12.0), (2, 3, 9.0)], decided=decided)

    assert clusters == {frozenset({"K-1", "K-2"}), frozenset({"K-3"})}
    assert held_apart == 1


def test_a_must_link_holds_even_records_whose_dates_of_birth_conflict() -> None:
    people = [_person(1, "1980-01-21", "M"), _person(2, "1990-06-30", "M"), _person(3, None, "M")]
    decided = Constraints(must=[(_key(1), _key(2))])
    clusters, _ = run(people, [(2, 3, 12.0)], decided=decided)

    assert clusters == {frozenset({"K-1", "K-2", "K-3"})}


def test_decisions_about_records_no_longer_current_are_ignored() -> None:
    people = [_person(1, "1980-01-21", "M"), _person(2, None, None)]
    decided = Constraints(must=[(_key(1), _key(9))], cannot=[(_key(2), _key(9))])
    clusters, held_apart = run(people, [(1, 2, 12.0)], decided=decided)

    assert clusters == {frozenset({"K-1", "K-2"})}
    assert held_apart == 0


def test_dates_of_birth_a_model_found_disagreeing_often_do_not_split() -> None:
    people = [_person(1, "1980-01-21", "M"), _person(2, None, None), _person(3, "1990-06-30", "M")]
    sex_only = "coalesce(gender_l <> gender_r, false)"  # `person_model.conflict` for such a model
    clusters, held_apart = run(people, [(1, 2, 9.0), (2, 3, 11.0)], conflict=sex_only)

    assert clusters == {frozenset({"K-1", "K-2", "K-3"})}
    assert held_apart == 0
    decided = Constraints(cannot=[(_key(1), _key(3))])  # people's decisions hold all the same
    clusters, held_apart = run(
        people, [(1, 2, 9.0), (2, 3, 11.0)], decided=decided, conflict="false"
    )
    assert clusters == {frozenset({"K-2", "K-3"}), frozenset({"K-1"})}
    assert held_apart == 1
