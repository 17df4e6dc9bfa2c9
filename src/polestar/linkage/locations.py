"""The location stage: the same UPRN, or the same first address line and postcode.

Both keys join records, transitively: a fire premises record with a UPRN and a custody
address without one are the same place when their first line and postcode agree. A free-text
location with neither (an incident "o/s the Co-op") stands alone.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.linkage.clusters import Member, group
from polestar.linkage.duck import load_table
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
    ]
)

# The address key: the first line's letters and digits, upper case, with the postcode.
KEYS_SQL = """
SELECT unique_id, uprn,
    CASE WHEN postcode IS NOT NULL AND first_line <> ''
        THEN first_line || '|' || postcode END AS address_key
FROM (
    SELECT unique_id, uprn, postcode,
        upper(regexp_replace(coalesce(json_extract_string(lines, '$[0]'), ''),
                             '[^A-Za-z0-9]', '', 'g')) AS first_line
    FROM location_raw
)
"""


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, item: object) -> object:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:  # path compression
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def union(self, a: object, b: object) -> None:
        self.parent[self.find(a)] = self.find(b)


def link_locations(
    con: duckdb.DuckDBPyConnection, engine: Engine
) -> tuple[list[list[Member]], int, int]:
    """Clusters of location records, the record count and the pairs compared."""
    with engine.connect() as conn:
        batches = (
            {**batch, "lines": [_json(lines) for lines in batch["lines"]]}
            for batch in linkable.location_batches(conn)
        )
        records = load_table(con, "location_raw", LOCATION_SCHEMA, batches)
    sets = _UnionFind()
    pairs = 0
    for column in ("uprn", "address_key"):
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
