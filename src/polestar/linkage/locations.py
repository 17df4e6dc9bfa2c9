"""The location stage: the same UPRN, or the same first address line and postcode or town.

Every key joins records, transitively: a fire premises record with a UPRN and a custody
address without one are the same place when their first line and postcode agree; a call
handler's "o/s 12 Mill Ln, Stone" is 12 Mill Lane in Stone. Street types are compared in one
spelling (`pole.addresses`). A location none of the keys fits stands alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.linkage.clusters import Member, group
from polestar.linkage.duck import load_table
from polestar.linkage.union_find import UnionFind
from polestar.pole.addresses import RELATIVE_PREFIXES, STREET_TYPES
from polestar.store import linkable

LOCATION_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("record_id", pa.int64()),
        ("source", pa.string()),
        ("source_key", pa.string()),
        ("lines", pa.string()),
        ("town", pa.string()),
        ("postcode", pa.string()),
        ("uprn", pa.string()),
        ("description", pa.string()),
    ]
)

_PREFIX = "|".join(re.escape(prefix) for prefix in RELATIVE_PREFIXES)


def _street_key(expression: str) -> str:
    """SQL for a first line compared as letters and digits, street types abbreviated."""
    sql = f"upper({expression})"
    for word, short in STREET_TYPES.items():
        sql = f"regexp_replace({sql}, '\\b{word}\\b', '{short}', 'g')"
    return f"regexp_replace({sql}, '[^A-Z0-9]', '', 'g')"


KEYS_SQL = f"""
WITH parsed AS (
    SELECT unique_id, uprn, postcode,
        coalesce(json_extract_string(lines, '$[0]'), split_part(spoken, ',', 1)) AS line,
        coalesce(town, CASE WHEN contains(spoken, ',') THEN split_part(spoken, ',', -1) END)
            AS town
    FROM (
        SELECT *, regexp_replace(description, '^\\s*({_PREFIX})\\s+', '', 'i') AS spoken
        FROM location_raw
    )
), keyed AS (
    SELECT unique_id, uprn, postcode, {_street_key("line")} AS line,
        upper(regexp_replace(coalesce(town, ''), '[^A-Za-z]', '', 'g')) AS town
    FROM parsed
)
SELECT unique_id, uprn,
    CASE WHEN postcode IS NOT NULL AND line <> '' THEN line || '|' || postcode END
        AS postcode_key,
    CASE WHEN town <> '' AND line <> '' THEN line || '|' || town END AS town_key
FROM keyed
"""


# Every key a location record joins others by (incremental linkage looks entities up by it).
KEY_ROWS_SQL = " UNION ALL ".join(
    f"SELECT unique_id, '{column}:' || {column} AS key FROM ({KEYS_SQL}) WHERE {column} IS NOT NULL"
    for column in ("uprn", "postcode_key", "town_key")
)


def load_locations(
    con: duckdb.DuckDBPyConnection, engine: Engine, record_ids: Sequence[int] | None = None
) -> int:
    """Copy current location records (of `record_ids`, or all) into `location_raw`."""
    with engine.connect() as conn:
        batches = (
            {**batch, "lines": [_json(lines) for lines in batch["lines"]]}
            for batch in linkable.location_batches(conn, record_ids=record_ids)
        )
        return load_table(con, "location_raw", LOCATION_SCHEMA, batches)


def link_locations(
    con: duckdb.DuckDBPyConnection, engine: Engine
) -> tuple[list[list[Member]], int, int]:
    """Clusters of location records, the record count and the pairs compared."""
    records = load_locations(con, engine)
    sets: UnionFind[int] = UnionFind()
    pairs = 0
    for column in ("uprn", "postcode_key", "town_key"):
        groups = con.sql(
            f"SELECT list(unique_id ORDER BY unique_id) FROM ({KEYS_SQL}) "
            f"WHERE {column} IS NOT NULL GROUP BY {column} HAVING count(*) > 1"
        ).fetchall()
        for (ids,) in groups:
            pairs += len(ids) * (len(ids) - 1) // 2
            for other in ids[1:]:
                sets.union(other, ids[0])
    rows = con.sql(
        "SELECT unique_id, record_id, source_key, source FROM location_raw ORDER BY unique_id"
    ).fetchall()
    keyed = sorted(
        ((str(sets.find(uid)), record_id, key, source) for uid, record_id, key, source in rows),
        key=lambda row: row[0],
    )
    return group(keyed), records, pairs


def _json(lines: object) -> str | None:
    return json.dumps(lines) if lines is not None else None
