"""The person index for point access: records by id and by blocking key, in SQLite in memory.

DuckDB is built for scans; fetching a few hundred scattered records through its indexes costs
about 20 µs a record (about 10 ms for a busy key), more than scoring them. The duplicate check
at entry reads exactly that way, so `OneRecord` keeps its own copy of the index in an
in-memory SQLite database, where a lookup by primary key costs about a microsecond: each
record's features packed with `marshal` (in the DuckDB index's column order), its entity, and
its blocking keys.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

_BATCH = 50_000
_SCHEMA = """
CREATE TABLE people (unique_id INTEGER PRIMARY KEY, entity_id TEXT, data BLOB NOT NULL);
CREATE TABLE keys (key TEXT NOT NULL, unique_id INTEGER NOT NULL, PRIMARY KEY (key, unique_id))
    WITHOUT ROWID;
"""


class RowStore:
    """Person records (as tuples of the DuckDB index's columns) by id, entity and key."""

    def __init__(self, index: duckdb.DuckDBPyConnection) -> None:
        self.columns: list[str] = [d[0] for d in index.sql("FROM idx.people LIMIT 0").description]
        assert self.columns[0] == "unique_id", self.columns
        self._entity = self.columns.index("entity_id")
        self.db = sqlite3.connect(":memory:")
        self.db.executescript(_SCHEMA)
        people = index.execute("FROM idx.people")
        while rows := people.fetchmany(_BATCH):
            self._put(rows)
        keys = index.execute("SELECT key, unique_id FROM idx.keys")
        while found := keys.fetchmany(_BATCH):
            self.db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)", found)
        self.db.execute("CREATE INDEX people_entity ON people (entity_id)")

    def _put(self, rows: Iterable[Sequence[Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO people VALUES (?, ?, ?)",
            [(row[0], row[self._entity], marshal.dumps(tuple(row))) for row in rows],
        )

    def add(self, rows: Sequence[Sequence[Any]], keys: Iterable[tuple[str, int]]) -> None:
        """Records (tuples in `columns` order, unique id first) and the keys they are under."""
        self._put(rows)
        self.db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)", keys)

    def merge(self, old: str, new: str) -> None:
        """Entity `old` was merged into `new`: its records follow."""
        self.db.execute("UPDATE people SET entity_id = ? WHERE entity_id = ?", (new, old))

    def lookup(self, keys: Sequence[str]) -> list[tuple[str, int]]:
        """(key, unique id) of every record stored under one of `keys`."""
        return self._in("SELECT key, unique_id FROM keys WHERE key IN ({})", keys)

    def rows(self, unique_ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The records with these ids, with their current entity."""
        return [
            self._unpack(data, entity)
            for entity, data in self._in(
                "SELECT entity_id, data FROM people WHERE unique_id IN ({})", unique_ids
            )
        ]

    def members(self, entities: Sequence[str]) -> list[tuple[Any, ...]]:
        """Every record of these entities."""
        return [
            self._unpack(data, entity)
            for entity, data in self._in(
                "SELECT entity_id, data FROM people WHERE entity_id IN ({})", entities
            )
        ]

    def _unpack(self, data: bytes, entity: str | None) -> tuple[Any, ...]:
        row = list(marshal.loads(data))
        row[self._entity] = entity
        return tuple(row)

    def _in(self, query: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 900):  # SQLite's limit on bound parameters
            chunk = values[start : start + 900]
            found += self.db.execute(query.format(", ".join("?" * len(chunk))), chunk).fetchall()
        return found

    def close(self) -> None:
        self.db.close()
