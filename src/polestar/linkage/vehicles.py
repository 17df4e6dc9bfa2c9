"""The vehicle stage: records with the same normalised VRM are the same vehicle.

Ingest already stores VRMs compact and upper case (`pole.vrms`), so `ab12 cde` and `AB12CDE`
agree here. A record without a VRM stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa
from sqlalchemy.engine import Engine

from polestar.linkage.clusters import Member, group
from polestar.linkage.duck import load_table
from polestar.store import linkable

VEHICLE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("record_id", pa.int64()),
        ("source", pa.string()),
        ("source_key", pa.string()),
        ("vrm", pa.string()),
        ("make", pa.string()),
        ("model", pa.string()),
        ("colour", pa.string()),
    ]
)


# The key a vehicle record joins others by (incremental linkage looks entities up by it).
KEYS_SQL = "SELECT unique_id, 'vrm:' || vrm AS key FROM vehicle_raw WHERE vrm IS NOT NULL"


def load_vehicles(
    con: duckdb.DuckDBPyConnection, engine: Engine, record_ids: Sequence[int] | None = None
) -> int:
    """Copy current vehicle records (of `record_ids`, or all) into `vehicle_raw`."""
    with engine.connect() as conn:
        return load_table(
            con,
            "vehicle_raw",
            VEHICLE_SCHEMA,
            linkable.vehicle_batches(conn, record_ids=record_ids),
        )


def link_vehicles(
    con: duckdb.DuckDBPyConnection, engine: Engine
) -> tuple[list[list[Member]], int, int]:
    """Clusters of vehicle records, the record count and the pairs compared."""
    records = load_vehicles(con, engine)
    rows = con.sql(
        "SELECT coalesce('vrm:' || vrm, 'id:' || unique_id) AS cluster_id, record_id, "
        "source_key, source FROM vehicle_raw ORDER BY cluster_id, record_id, source_key"
    ).fetchall()
    clusters = group(rows)
    pairs = sum(len(c) * (len(c) - 1) // 2 for c in clusters)
    return clusters, records, pairs
