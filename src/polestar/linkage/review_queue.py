"""Which scored pairs a batch run puts in front of a person, and queueing them.

A pair is queued on one of two grounds (`grounds.GROUNDS`, stored with the item as
`queued_because`):

* `uncertain`: its match probability lies in `POLESTAR_LINK_REVIEW_BAND` and a decision about
  it would change an entity: its records ended in different entities (a join the model nearly
  made), or the pair itself is at or above the match threshold (a join made on uncertain
  evidence, when the threshold lies inside the band). A band pair whose records were joined
  through other, stronger pairs is left out: its own score decided nothing.
* `forenames differ`: a record with no date of birth was joined, no other record of its
  entity gives its forename or shares an identifier with it, and every pair that joined it has
  forenames that wholly differ (the forename comparison's last level). The join rests on a
  surname and an address or phone, which a household shares: in the demo county "David
  McKillop", a crime record with no date of birth, joined his relative William McKillop's
  entity at 0.994 (the rare surname's and the shared address's weights outweighing the
  forename's). At 1M people 685 pairs are queued so: 470 join relatives,
  215 one person (a short form the nickname list lacks, a typo in a short name). A refusal
  would part those 215, so the join is made and shown to a person. The pair queued is the
  strongest that joined the record.

A batch run queues on both grounds (`pairs_to_review`), incremental linkage on the second
(`arrivals_to_review`). Pairs a decision already covers, and pairs already open in the queue,
are skipped; at most `POLESTAR_LINK_REVIEW_LIMIT` are added per run, `forenames differ` first
(there are few), then the likeliest matches, in one bulk insert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.linkage import person_model
from polestar.linkage.grounds import FORENAMES_DIFFER, UNCERTAIN
from polestar.linkage.person_model import LevelSql
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

# The pairs on one ground (`scored`: the probability, the weight and both records' ids) put
# in order, less those decided or open already.
_QUEUE_SQL = """
WITH scored AS (
    {scored}
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

_BOTH_RECORDS = """
    SELECT e.match_probability, e.match_weight,
        l.record_id AS lr, l.source AS ls, l.source_key AS lk,
        r.record_id AS rr, r.source AS rs, r.source_key AS rk
    FROM {pairs} e
    JOIN {clusters} l ON l.unique_id = e.unique_id_l
    JOIN {clusters} r ON r.unique_id = e.unique_id_r
"""

_IN_BAND = (
    _BOTH_RECORDS
    + """
    WHERE e.match_probability >= {low} AND e.match_probability < {high}
        AND (l.label <> r.label OR e.match_probability >= {threshold})
"""
)

# Candidates: records with no date of birth whose forename no other record of their entity
# gives, sharing no identifier with any of them. Then the pairs that joined each (read once
# from the scored pairs), seen from its side, with the forename comparison's level (`{level}`,
# Splink's case statement on its inputs `{columns}`: `fn_l`, `fn_r`, ...). A candidate is lone
# when every pair that joined it is at the last level; its strongest is queued. At 1M people
# the query takes 1.2 s, about half of it reading the 28.4 M scored pairs (the band's query
# takes 0.7 s); working out the level of every joined pair with an undated side took 1.6 s.
_FORENAMES_DIFFER = """
    WITH members AS (
        SELECT f.label, p.unique_id, p.fn, p.dob, p.pnc_id, p.crn, p.ni_number,
            {judged} AS judged
        FROM {clusters} f JOIN {people} p USING (unique_id)
    ), candidates AS (
        SELECT m.unique_id, m.label FROM members m
        WHERE m.judged AND m.dob IS NULL AND m.fn IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM members o
            WHERE o.label = m.label AND o.unique_id <> m.unique_id
                AND coalesce(
                    o.fn = m.fn OR o.pnc_id = m.pnc_id OR o.crn = m.crn
                    OR o.ni_number = m.ni_number,
                    false
                )
        )
    ), hits AS MATERIALIZED (
        SELECT unique_id_l, unique_id_r, match_probability, match_weight FROM {predictions}
        WHERE match_probability >= {threshold} AND (
            unique_id_l IN (SELECT unique_id FROM candidates)
            OR unique_id_r IN (SELECT unique_id FROM candidates)
        )
    ), sides AS (
        SELECT c.unique_id AS undated, h.* FROM hits h
        JOIN candidates c ON c.unique_id = h.unique_id_l
        JOIN {clusters} o ON o.unique_id = h.unique_id_r AND o.label = c.label
        UNION ALL
        SELECT c.unique_id AS undated, h.* FROM hits h
        JOIN candidates c ON c.unique_id = h.unique_id_r
        JOIN {clusters} o ON o.unique_id = h.unique_id_l AND o.label = c.label
    ), levels AS (
        SELECT *, {level} FROM (
            SELECT s.*, {columns} FROM sides s
            JOIN {people} l ON l.unique_id = s.unique_id_l
            JOIN {people} r ON r.unique_id = s.unique_id_r
        )
    ), ranked AS (
        SELECT *,
            bool_and({gamma} = 0) OVER (PARTITION BY undated) AS lone,
            row_number() OVER (
                PARTITION BY undated
                ORDER BY match_probability DESC, unique_id_l, unique_id_r
            ) AS place
        FROM levels
    ), lone_pairs AS (
        SELECT DISTINCT unique_id_l, unique_id_r, match_probability, match_weight
        FROM ranked WHERE lone AND place = 1
    )
"""


@dataclass(frozen=True)
class Placed:
    """Where a run's placement is, in DuckDB, for `_forenames_differ`."""

    pairs: str  # the scored pairs: unique_id_l, unique_id_r, match_probability, match_weight
    clusters: str = "final_clusters"  # label, unique_id, record_id, source_key, source
    people: str = "people"  # the records' features
    judged: str = "true"  # which records may be queued (an expression on `f`, the clusters)


def _forenames_differ(level: LevelSql, placed: Placed, threshold: float) -> str:
    columns = ", ".join(
        f"{side}.{column} AS {column}_{side}" for column in level.columns for side in "lr"
    )
    pairs = _FORENAMES_DIFFER.format(
        columns=columns,
        predictions=placed.pairs,
        clusters=placed.clusters,
        people=placed.people,
        judged=placed.judged,
        threshold=threshold,
        level=level.case,
        gamma=level.gamma,
    )
    return pairs + _BOTH_RECORDS.format(pairs="lone_pairs", clusters=placed.clusters)


def pairs_to_review(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    predictions: str,
    model: dict[str, Any],
    settings: Settings,
) -> list[dict[str, Any]]:
    """The person pairs of a batch run to queue for review, each with its ground (after
    `constrained.cluster`, scored under `model`)."""
    low, high = settings.link_review_band
    threshold = float(settings.link_match_threshold)
    return _queue_rows(
        con,
        engine,
        settings,
        {
            FORENAMES_DIFFER: _forenames_differ(
                person_model.level_sql(model, "forename"), Placed(predictions), threshold
            ),
            UNCERTAIN: _IN_BAND.format(
                pairs=predictions,
                clusters="final_clusters",
                low=float(low),
                high=float(high),
                threshold=threshold,
            ),
        },
    )


def arrivals_to_review(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    forename: LevelSql,
    placed: Placed,
    settings: Settings,
) -> list[dict[str, Any]]:
    """The pairs to queue for review after incremental linkage has placed arrivals: on the
    ground `forenames differ` only, judged on the pairs incremental linkage keeps (the
    strongest between an arrival and each entity or other arrival), the band being a batch
    run's. `forename` is the model's forename level (`person_model.level_sql`, worked out
    once per index: parsing a model takes tens of milliseconds)."""
    scored = _forenames_differ(forename, placed, float(settings.link_match_threshold))
    return _queue_rows(con, engine, settings, {FORENAMES_DIFFER: scored})


def _queue_rows(
    con: duckdb.DuckDBPyConnection, engine: Engine, settings: Settings, grounds: dict[str, str]
) -> list[dict[str, Any]]:
    """The rows each ground's query finds (in order, up to the limit in all), less the pairs
    decided or open already, each pair once."""
    with engine.connect() as conn:
        skip = list(
            chain(decisions.decided_pairs(conn, "person"), review_items.open_pairs(conn, "person"))
        )
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
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    try:
        for ground, scored in grounds.items():
            room = int(settings.link_review_limit) - len(rows)
            found = con.sql(_QUEUE_SQL.format(scored=scored, limit=room)).to_arrow_table()
            for row in found.to_pylist():
                pair = (
                    row["record_id_l"],
                    row["source_key_l"],
                    row["record_id_r"],
                    row["source_key_r"],
                )
                rows.setdefault(pair, {**row, "queued_because": ground})
    finally:
        con.unregister("_skip")
    return list(rows.values())


def queue(engine: Engine, kind: str, pairs: list[dict[str, Any]], run_id: int) -> int:
    """Add `pairs` to the review queue; returns how many were queued."""
    with engine.begin() as conn:
        return review_items.add_items(conn, kind, pairs, run_id, datetime.now(UTC))
