"""The DuckDB working database a linkage run computes in (Splink's engine on one machine).

Records are copied out of the store once per run as Arrow batches; everything after that —
features, blocking, scoring, clustering — happens here, never in the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from polestar.errors import PolestarError
from polestar.settings import Settings


class OutOfMemory(PolestarError):
    """A linkage run needed more memory than DuckDB may use; the message says which settings
    to change."""


def _out_of_memory(error: BaseException) -> bool:
    """Whether DuckDB running out of memory caused this error (Splink wraps DuckDB's errors in
    its own, with the whole of the SQL that failed)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, duckdb.OutOfMemoryException):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


@contextmanager
def memory_explained(settings: Settings, then: str) -> Iterator[None]:
    """Raise `OutOfMemory`, naming the settings to change and what to run `then`, for an error
    DuckDB running out of memory caused (anything else passes through)."""
    try:
        yield
    except Exception as error:
        if _out_of_memory(error):
            raise OutOfMemory(
                f"linkage ran out of memory: DuckDB may use "
                f"{settings.link_duckdb_memory_limit} (POLESTAR_LINK_DUCKDB_MEMORY_LIMIT) with "
                f"{settings.link_threads} threads (POLESTAR_LINK_THREADS); raise the limit or "
                f"lower the threads, and {then}"
            ) from error
        raise


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB limited to the configured memory and threads, spilling what does
    not fit under the data directory (by default DuckDB spills to `.tmp` in whatever
    directory the command was run from: a checkout, a home directory)."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.link_duckdb_memory_limit}'")
    spill = settings.data_dir / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute("SET temp_directory = ?", [str(spill)])
    con.execute(f"SET threads = {int(settings.link_threads)}")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB draws a progress bar on stdout for statements past two seconds, into `--json`
    # output (CONVENTIONS.md: stdout carries only the result).
    con.execute("SET enable_progress_bar = false")
    return con


def load_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    schema: pa.Schema,
    batches: Iterator[dict[str, list[object]]],
) -> int:
    """Create table `name` from column batches; returns its row count."""
    con.execute(f"DROP TABLE IF EXISTS {name}")
    first = True
    rows = 0
    for batch in batches:
        arrow = pa.Table.from_pydict(batch, schema=schema)
        rows += arrow.num_rows
        con.register("_batch", arrow)
        if first:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _batch")
            first = False
        else:
            con.execute(f"INSERT INTO {name} SELECT * FROM _batch")
        con.unregister("_batch")
    if first:
        con.register("_batch", schema.empty_table())
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _batch")
        con.unregister("_batch")
    return rows


def placement_table(placed: Mapping[tuple[int, str], str]) -> pa.Table:
    """(record_id, source_key, entity_id) of placed rows, to register and join in DuckDB."""
    return pa.table(
        {
            "record_id": pa.array([key[0] for key in placed], pa.int64()),
            "source_key": pa.array([key[1] for key in placed], pa.string()),
            "entity_id": pa.array(list(placed.values()), pa.string()),
        }
    )


def reassign(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], moved: Mapping[tuple[int, str], str]
) -> None:
    """Give these placed rows (by record id and source key) their entities in `tables`: rows
    placed since an index was built, or moved by a merge or a split."""
    if not moved:
        return
    con.register("_moved", placement_table(moved))
    for table in tables:
        con.execute(
            f"UPDATE {table} SET entity_id = m.entity_id FROM _moved m "
            f"WHERE {table}.record_id = m.record_id AND {table}.source_key = m.source_key"
        )
    con.unregister("_moved")
