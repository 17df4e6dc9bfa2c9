"""The join behind each placement: the strongest pair within the record's own cluster, even
when its strongest pair of all was held apart into another cluster."""

from __future__ import annotations

import duckdb

from polestar.linkage.clusters import Member
from polestar.linkage.joins import strongest_joins


def _member(unique_id: int) -> Member:
    return Member((unique_id, f"K{unique_id}"), "custody")


def test_each_record_gets_its_strongest_pair_inside_its_cluster() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE people AS SELECT i AS unique_id, i AS record_id, 'K' || i AS source_key "
        "FROM range(1, 7) t(i)"
    )
    # 1-2-3 is one cluster and 4-5 another; 3's strongest pair (with 4) was held apart, and
    # 6 stands alone. 1-3 is below the threshold.
    con.execute(
        "CREATE TABLE predictions AS SELECT * FROM (VALUES "
        "(1, 2, 20.0, 0.999), (2, 3, 12.0, 0.998), (1, 3, 2.0, 0.5), (3, 4, 30.0, 0.9999), "
        "(4, 5, 9.0, 0.995), (5, 6, 1.0, 0.4)"
        ") t(unique_id_l, unique_id_r, match_weight, match_probability)"
    )
    clusters = [[_member(1), _member(2), _member(3)], [_member(4), _member(5)], [_member(6)]]
    joins = strongest_joins(con, "predictions", clusters, 0.99)
    assert sorted((row[0], row[2], row[4]) for row in joins) == [
        (1, 2, 20.0),
        (2, 1, 20.0),
        (3, 2, 12.0),
        (4, 5, 9.0),
        (5, 4, 9.0),
    ]
    assert all(row[1] == f"K{row[0]}" and row[3] == f"K{row[2]}" for row in joins)
