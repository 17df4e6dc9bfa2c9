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
# each record is found first without looking at clusters (grouped passes over the pairs, no
# join on them); only the few whose strongest pair was held apart into another cluster are
# looked at again among pairs within their cluster. Ties go to the lower unique id.
JOINS_SQL = """
WITH labels AS MATERIALIZED (
    SELECT p.unique_id, c.label FROM _placed c JOIN people p USING (record_id, source_key)
), strong AS MATERIALIZED (
    SELECT unique_id_l AS l, unique_id_r AS r, match_weight AS w, match_probability AS p
    FROM {predictions} WHERE match_probability >= {threshold}
), halves AS (
    SELECT l AS me, arg_max({{'other': r, 'w': w, 'p': p}}, (w, -r)) AS best FROM strong GROUP BY l
    UNION ALL
    SELECT r AS me, arg_max({{'other': l, 'w': w, 'p': p}}, (w, -l)) AS best FROM strong GROUP BY r
), strongest AS (
    SELECT me, arg_max(best, (best.w, -best.other)) AS best FROM halves GROUP BY me
), checked AS MATERIALIZED (
    SELECT s.me, s.best.other AS other, s.best.w AS w, s.best.p AS p,
        coalesce(lo.label = lm.label, false) AS inside, lm.label
    FROM strongest s
    JOIN labels lm ON lm.unique_id = s.me
    LEFT JOIN labels lo ON lo.unique_id = s.best.other
), again AS (
    SELECT c.me, arg_max(
        {{'other': e.other, 'w': e.w, 'p': e.p}}, (e.w, -e.other)
    ) AS best
    FROM checked c
    JOIN (
        SELECT l AS me, r AS other, w, p FROM strong
        UNION ALL
        SELECT r AS me, l AS other, w, p FROM strong
    ) e ON e.me = c.me AND NOT c.inside
    JOIN labels lo ON lo.unique_id = e.other AND lo.label = c.label
    GROUP BY c.me
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
