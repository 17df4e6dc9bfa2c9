"""SQLite's single writer: short write transactions that queue in-process before taking it.

A write transaction on SQLite takes the writer lock at once (`BEGIN IMMEDIATE`, as Datasette's
writer does), so whatever it reads first is still true when it writes. Writers of this
process queue on a lock per database before asking for it: a thread woken by the lock's
release starts at once, whereas one refused by SQLite polls in its busy handler, sleeping up
to 100 ms between tries, which under a web server's load made most of every request's time
(bench/web.py --load). PostgreSQL needs neither: its transactions begin as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy.engine import Connection, Engine

_QUEUES: dict[str, threading.RLock] = {}
_QUEUES_GUARD = threading.Lock()


def _queue(engine: Engine) -> threading.RLock:
    """This process's queue for writing to `engine`'s SQLite database."""
    with _QUEUES_GUARD:
        return _QUEUES.setdefault(str(engine.url), threading.RLock())


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction on `engine`, committed when the block ends without an error."""
    sqlite = engine.dialect.name == "sqlite"
    with _queue(engine) if sqlite else nullcontext(), engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()
