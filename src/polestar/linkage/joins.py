"""The link that joined each person record: computed in DuckDB right after clustering.

For every record placed with others, the strongest scored pair at or above the threshold that
connects it to another record of the same cluster. Stored with the placement so a profile can
show the weight of the join without re-scoring; an explanation recomputes the full waterfall.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from polestar.linkage.clusters import Member
from polestar.store.person_joins import JoinRow

# Nearly every record's strongest pair is within its own cluster, so the strongest pair of
# each record is found first without looking at clusters (one pass, no join on the pairs); only
# the few whose strongest pair was held apart, or crosses into another cluster, are looked at
# again among pairs within their cluster. Ties go to the lower unique id, so runs agree.
JOINS_SQL = """
WITH labels AS (
    SELECT p.unique_id, c.label FROM _placed c JOIN people p USING (record_id, source_key)
), ends AS MATERIALIZED (
    SELECT unique_id_l AS me, unique_id_r AS other, match_weight, match_probability
    FROM {predictions} WHERE match_probability >= {threshold}
    UNION ALL
    SELECT unique_id_r AS me, unique_id_l AS other, match_weight, match_probability
    FROM {predictions} WHERE match_probability >= {threshold}
), strongest AS MATERIALIZED (
    SELECT me, arg_max(
        {{'other': other, 'w': match_weight, 'p': match_probability}}, (match_weight, -other)
    ) AS best
    FROM ends WHERE me IN (SELECT unique_id FROM labels) GROUP BY me
), checked AS MATERIALIZED (
    SELECT s.me, s.best.other AS other, s.best.w AS w, s.best.p AS p,
        coalesce(lo.label = lm.label, false) AS inside
    FROM strongest s
    JOIN labels lm ON lm.unique_id = s.me
    LEFT JOIN labels lo ON lo.unique_id = s.best.other
), again AS (
    SELECT e.me, arg_max(
        {{'other': e.other, 'w': e.match_weight, 'p': e.match_probability}},
        (e.match_weight, -e.other)
    ) AS best
    FROM ends e
    JOIN checked c ON c.me = e.me AND NOT c.inside
    JOIN labels lm ON lm.unique_id = e.me
    JOIN labels lo ON lo.unique_id = e.other AND lo.label = lm.label
    GROUP BY e.me
), chosen AS (
    SELECT me, other, w, p FROM checked WHERE inside
    UNION ALL
    SELECT me, best.other, best.w, best.p FROM again
)
SELECT m.record_id, m.source_key, o.record_id, o.source_key, c.w, c.p
FROM chosen c
JOIN people m ON m.unique_id = c.me
JOIN people o ON o.unique_id = c.other
"""


def strongest_joins(
    con: duckdb.DuckDBPyConnection,
    predictions: str,
    clusters: Sequence[Sequence[Member]],
    threshold: float,
) -> list[JoinRow]:
    """Each clustered record's strongest pair within its cluster, set-based in DuckDB.

    Args:
        con: the run's DuckDB, holding the `people` features.
        predictions: the table of scored pairs.
        clusters: the clusters as placed (after any constraint or decision), so a join never
            names a record of another entity.
        threshold: the match probability a pair needs to join two records.
    """
    shared = [cluster for cluster in clusters if len(cluster) > 1]
    placed = pa.table(
        {
            "label": pa.array(
                [label for label, cluster in enumerate(shared) for _ in cluster], pa.int64()
            ),
            "record_id": pa.array([m.key[0] for c in shared for m in c], pa.int64()),
            "source_key": pa.array([m.key[1] for c in shared for m in c], pa.string()),
        }
    )
    con.register("_placed", placed)
    try:
        rows = con.sql(
            JOINS_SQL.format(predictions=predictions, threshold=float(threshold))
        ).fetchall()
    finally:
        con.unregister("_placed")
    return [(int(a), str(b), int(c), str(d), float(w), float(p)) for a, b, c, d, w, p in rows]
