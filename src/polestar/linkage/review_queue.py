"""Which scored pairs a batch run puts in front of a person, and queueing them.

A pair is queued when its match probability lies in `POLESTAR_LINK_REVIEW_BAND` and a
decision about it would change an entity: its records ended in different entities (a join
the model nearly made), or the pair itself is at or above the match threshold (a join made on
uncertain evidence, when the threshold lies inside the band). A band pair whose records were
joined through other, stronger pairs is left out: its own score decided nothing. Pairs a
decision already covers, and pairs already open in the queue, are skipped; at most
`POLESTAR_LINK_REVIEW_LIMIT` are added per run, likeliest first, in one bulk insert.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import chain
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.settings import Settings
from polestar.store import decisions, review_items

_SKIP_SCHEMA = pa.schema(
    [
        ("record_l", pa.int64()),
        ("key_l", pa.string()),
        ("record_r", pa.int64()),
        ("key_r", pa.string()),
    ]
)

CANDIDATES_SQL = """
WITH scored AS (
    SELECT e.match_probability, e.match_weight,
        l.record_id AS lr, l.source AS ls, l.source_key AS lk,
        r.record_id AS rr, r.source AS rs, r.source_key AS rk
    FROM {predictions} e
    JOIN final_clusters l ON l.unique_id = e.unique_id_l
    JOIN final_clusters r ON r.unique_id = e.unique_id_r
    WHERE e.match_probability >= {low} AND e.match_probability < {high}
        AND (l.label <> r.label OR e.match_probability >= {threshold})
), pairs AS (
    SELECT *, (lr < rr OR (lr = rr AND lk < rk)) AS in_order FROM scored
)
SELECT
    CASE WHEN in_order THEN lr ELSE rr END AS record_id_l,
    CASE WHEN in_order THEN ls ELSE rs END AS source_l,
    CASE WHEN in_order THEN lk ELSE rk END AS source_key_l,
    CASE WHEN in_order THEN rr ELSE lr END AS record_id_r,
    CASE WHEN in_order THEN rs ELSE ls END AS source_r,
    CASE WHEN in_order THEN rk ELSE lk END AS source_key_r,
    match_probability, match_weight
FROM pairs p
WHERE NOT EXISTS (
    SELECT 1 FROM _skip s
    WHERE s.record_l = CASE WHEN in_order THEN lr ELSE rr END
        AND s.key_l = CASE WHEN in_order THEN lk ELSE rk END
        AND s.record_r = CASE WHEN in_order THEN rr ELSE lr END
        AND s.key_r = CASE WHEN in_order THEN rk ELSE lk END
)
ORDER BY match_probability DESC, record_id_l, source_key_l, record_id_r, source_key_r
LIMIT {limit}
"""


def band_pairs(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    predictions: str,
    settings: Settings,
    kind: str = "person",
) -> list[dict[str, Any]]:
    """The pairs of this run to queue for review (after `constrained.cluster`)."""
    with engine.connect() as conn:
        skip = list(chain(decisions.decided_pairs(conn, kind), review_items.open_pairs(conn, kind)))
    con.register(
        "_skip",
        pa.table(
            [
                pa.array([left[0] for left, _ in skip], pa.int64()),
                pa.array([left[1] for left, _ in skip], pa.string()),
                pa.array([right[0] for _, right in skip], pa.int64()),
                pa.array([right[1] for _, right in skip], pa.string()),
            ],
            schema=_SKIP_SCHEMA,
        ),
    )
    low, high = settings.link_review_band
    found = con.sql(
        CANDIDATES_SQL.format(
            predictions=predictions,
            low=float(low),
            high=float(high),
            threshold=float(settings.link_match_threshold),
            limit=int(settings.link_review_limit),
        )
    ).to_arrow_table()
    con.unregister("_skip")
    rows: list[dict[str, Any]] = found.to_pylist()
    return rows


def queue(engine: Engine, kind: str, pairs: list[dict[str, Any]], run_id: int) -> int:
    """Add `pairs` to the review queue; returns how many were queued."""
    with engine.begin() as conn:
        return review_items.add_items(conn, kind, pairs, run_id, datetime.now(UTC))
