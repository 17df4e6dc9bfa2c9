"""SQLite's single writer: short write transactions that queue, in the process and across
processes, before taking it.

A write transaction on SQLite takes the writer lock at once (`BEGIN IMMEDIATE`, as Datasette's
writer does), so whatever it reads first is still true when it writes. A writer refused by
SQLite polls in its busy handler, sleeping up to 100 ms between tries even when the lock was
freed at once; under a web server's load that made most of every request's time
(bench/web.py --load). So writers queue first where a release wakes the next at once: threads
of this process on a lock per database, then processes (`polestar serve --workers N`) on an
exclusive `flock` of a file beside the database, `<database>-writer`. PostgreSQL needs neither:
its transactions begin as they are.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy.engine import Connection, Engine

_QUEUES: dict[str, _Queue] = {}
_QUEUES_GUARD = threading.Lock()


class _Queue:
    """Writers of one SQLite database: this process's threads, then every process."""

    def __init__(self, database: str | None) -> None:
        self.threads = threading.RLock()
        self.depth = 0  # the holding thread's nesting: only the outermost takes the file lock
        # An in-memory database has no file, and no other process can open it.
        self.lock_file = None if database in (None, "", ":memory:") else f"{database}-writer"

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this database's writer turn, and hold it until the block ends."""
        with self.threads:
            self.depth += 1
            try:
                with self._processes() if self.depth == 1 else nullcontext():
                    yield
            finally:
                self.depth -= 1

    @contextmanager
    def _processes(self) -> Iterator[None]:
        if self.lock_file is None:
            yield
            return
        # Opened for each turn, not kept: a forked child sharing the descriptor would share the
        # lock with its parent.
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def _queue(engine: Engine) -> _Queue:
    """This process's queue for writing to `engine`'s SQLite database."""
    with _QUEUES_GUARD:
        key = str(engine.url)
        if key not in _QUEUES:
            _QUEUES[key] = _Queue(engine.url.database)
        return _QUEUES[key]


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction on `engine`, committed when the block ends without an error."""
    sqlite = engine.dialect.name == "sqlite"
    with _queue(engine).turn() if sqlite else nullcontext(), engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()
