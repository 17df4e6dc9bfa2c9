"""The location stage: the same UPRN, or the same first address line and postcode or town.

Every key joins records, transitively: a fire premises record with a UPRN and a custody
address without one are the same place when their first line and postcode agree; a call
handler's "o/s 12 Mill Ln, Stone" is 12 Mill Lane in Stone. Street types are compared in one
spelling (`pole.addresses`). A location none of the keys fits stands alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.linkage.clusters import Member, group
from polestar.linkage.duck import load_table
from polestar.linkage.person_features import upper as _upper
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


def keys_sql(table: str, carried: str) -> str:
    """SQL giving the `carried` columns of each location row of `table` with its keys:
    `uprn`, `postcode_key` (first line and postcode) and `town_key` (first line and town)."""
    return f"""
WITH parsed AS (
    SELECT {carried}, uprn, postcode,
        coalesce(json_extract_string(lines, '$[0]'), split_part(spoken, ',', 1)) AS line,
        coalesce(town, CASE WHEN contains(spoken, ',') THEN split_part(spoken, ',', -1) END)
            AS town
    FROM (
        SELECT *, regexp_replace(description, '^\\s*({_PREFIX})\\s+', '', 'i') AS spoken
        FROM {table}
    )
), keyed AS (
    SELECT {carried}, uprn, postcode, {_street_key("line")} AS line,
        upper(regexp_replace(coalesce(town, ''), '[^A-Za-z]', '', 'g')) AS town
    FROM parsed
)
SELECT {carried}, uprn,
    CASE WHEN postcode IS NOT NULL AND line <> '' THEN line || '|' || postcode END
        AS postcode_key,
    CASE WHEN town <> '' AND line <> '' THEN line || '|' || town END AS town_key
FROM keyed
"""


KEY_COLUMNS = ("uprn", "postcode_key", "town_key")


def key_rows_sql(table: str, carried: str) -> str:
    """SQL giving (`carried` columns, key) for every key of every location row of `table`,
    each key named by its column (`town_key:12MILLLN|STONE`) so that keys of different
    columns never meet."""
    rows = " UNION ALL ".join(
        f"SELECT {carried}, '{column}:' || {column} AS key FROM keyed_rows "
        f"WHERE {column} IS NOT NULL"
        for column in KEY_COLUMNS
    )
    # Materialised: each part would otherwise parse every address again.
    return f"WITH keyed_rows AS MATERIALIZED ({keys_sql(table, carried)}) {rows}"


def address_keys(place: Mapping[str, Any]) -> list[str]:
    """The keys `key_rows_sql` gives one location row (`lines` as JSON text), in Python: a
    person record's places are keyed so at entry too (`one_record`), and a test holds the two
    equal."""
    spoken = description = place.get("description")
    if description is not None:
        spoken = _PREFIX_PATTERN.sub("", description, count=1)
    lines = json.loads(place["lines"]) if place.get("lines") else None
    lines = lines if isinstance(lines, list) else []
    line = lines[0] if lines and lines[0] is not None else None
    if line is None and spoken is not None:
        line = spoken.split(",")[0]
    town = place.get("town")
    if town is None and spoken is not None and "," in spoken:
        town = spoken.split(",")[-1]
    line_key = ""
    if line is not None:
        line_key = _upper(str(line))
        for pattern, short in _STREET_TYPE_PATTERNS:
            line_key = pattern.sub(short, line_key)
        line_key = _NOT_UPPER_OR_DIGIT.sub("", line_key)
    town_key = _upper(_NOT_LETTER.sub("", town or ""))
    postcode, uprn = place.get("postcode"), place.get("uprn")
    keys = []
    if uprn is not None:
        keys.append(f"uprn:{uprn}")
    if postcode is not None and line_key:
        keys.append(f"postcode_key:{line_key}|{postcode}")
    if town_key and line_key:
        keys.append(f"town_key:{line_key}|{town_key}")
    return keys


_PREFIX_PATTERN = re.compile(rf"^\s*({_PREFIX})\s+", re.IGNORECASE)
# RE2's \b, as DuckDB's, is an ASCII word boundary.
_STREET_TYPE_PATTERNS = [
    (re.compile(rf"\b{word}\b", re.ASCII), short) for word, short in STREET_TYPES.items()
]
_NOT_UPPER_OR_DIGIT = re.compile("[^A-Z0-9]")
_NOT_LETTER = re.compile("[^A-Za-z]")


KEYS_SQL = keys_sql("location_raw", "unique_id")
# Every key a location record joins others by (incremental linkage looks entities up by it).
KEY_ROWS_SQL = key_rows_sql("location_raw", "unique_id")


def load_locations(
    con: duckdb.DuckDBPyConnection, engine: Engine, record_ids: Sequence[int] | None = None
) -> int:
    """Copy current location records (of `record_ids`, or all) into `location_raw`."""
    with engine.connect() as conn:
        batches = linkable.location_batches(conn, record_ids=record_ids)
        return load_table(con, "location_raw", LOCATION_SCHEMA, batches)


def link_locations(
    con: duckdb.DuckDBPyConnection, engine: Engine
) -> tuple[list[list[Member]], int, int]:
    """Clusters of location records, the record count and the pairs compared."""
    records = load_locations(con, engine)
    sets: UnionFind[int] = UnionFind()
    pairs = 0
    # Each address parsed once, not once per key column.
    con.execute(f"CREATE OR REPLACE TEMP TABLE location_keys AS {KEYS_SQL}")
    for column in KEY_COLUMNS:
        groups = con.sql(
            f"SELECT list(unique_id ORDER BY unique_id) FROM location_keys "
            f"WHERE {column} IS NOT NULL GROUP BY {column} HAVING count(*) > 1"
        ).fetchall()
        for (ids,) in groups:
            pairs += len(ids) * (len(ids) - 1) // 2
            for other in ids[1:]:
                sets.union(other, ids[0])
    con.execute("DROP TABLE location_keys")
    rows = con.sql(
        "SELECT unique_id, record_id, source_key, source FROM location_raw ORDER BY unique_id"
    ).fetchall()
    keyed = sorted(
        ((str(sets.find(uid)), record_id, key, source) for uid, record_id, key, source in rows),
        key=lambda row: row[0],
    )
    return group(keyed), records, pairs


def json_lines(lines: object) -> str | None:
    """A location's `lines` as the JSON text the key SQL reads."""
    return json.dumps(lines) if lines is not None else None
