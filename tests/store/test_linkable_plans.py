"""Linkage's readers look given records up by index (issue 5: chunked assignment ≥ 2,000
records/s at 1,000,000 person records): ordered by row alone, SQLite read the whole `links`
table for every chunk. Checked with EXPLAIN QUERY PLAN, as SQLite plans without statistics."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.compiler import SQLCompiler

from polestar.store import linkable
from tests.search.test_profile_plans import _BAD

Reader = Callable[..., Iterator[linkable.Columns]]
READERS: Sequence[Reader] = (
    linkable.person_batches,
    linkable.place_batches,
    linkable.phone_batches,
    linkable.vehicle_batches,
    linkable.location_batches,
)


def _plans(conn: Connection, database: str, reader: Reader) -> list[str]:
    """The plan of every step of the SELECTs `reader` runs for a chunk's records (a long `IN`
    list is what made SQLite prefer a scan in row order to a sort). Statements are caught by
    sqlite3 itself, as the readers use its cursor directly."""
    statements: list[str] = []
    driver = conn.connection.dbapi_connection
    assert isinstance(driver, sqlite3.Connection)
    driver.set_trace_callback(statements.append)
    try:
        list(reader(conn, record_ids=range(20_000, 0, -1)))
    finally:
        driver.set_trace_callback(None)
    raw = sqlite3.connect(database)
    try:
        return [
            detail
            for statement in statements
            if statement.lstrip().upper().startswith("SELECT")
            for *_, detail in raw.execute(f"EXPLAIN QUERY PLAN {statement}")
        ]
    finally:
        raw.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.__name__)
def test_some_records_rows_are_read_by_index_not_by_scanning(db: Engine, reader: Reader) -> None:
    with db.connect() as conn:
        plans = _plans(conn, db.url.database or "", reader)
    assert plans
    assert [detail for detail in plans if _BAD.search(detail)] == [], plans


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.__name__)
def test_a_chunks_record_ids_are_bound_once_not_once_per_id(
    db: Engine, reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `compiled.params` builds every parameter anew on each read: read once per parameter, a
    # chunk's 20,000 record ids took 32 s (bench/incremental.py at 1M: 611 records/s).
    built = 0
    construct = SQLCompiler.construct_params

    def counted(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        nonlocal built
        built += 1
        return construct(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "construct_params", counted)
    with db.connect() as conn:
        list(reader(conn, record_ids=range(20_000, 0, -1)))
    assert 0 < built <= 5, built
