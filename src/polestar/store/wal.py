"""SQLite's write-ahead log copied back into the database by a background thread, never by a
request's writer.

By default SQLite checkpoints inside whichever commit takes the WAL past 1,000 pages: that
writer copies the pages into the database and syncs it while still holding the single writer
lock (`store.writer`), and every other request's audit entry waits behind it. Under the load
test (bench/web.py --load, 1M records, four workers) the lock was held 32 ms on average and
0.56 s at the 99th percentile. So a server's connections never checkpoint, and a thread of
each server process does, every second, in PASSIVE mode: it copies what no reader still needs,
and neither waits for nor blocks readers and writers. The lock is now held 5.6 ms on average
and 62 ms at the 99th percentile. PostgreSQL has no such log to tend.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


@contextmanager
def checkpoints_in_background(engine: Engine, every: float = 1.0) -> Iterator[None]:
    """While the block runs, `engine`'s connections leave the WAL to a thread that checkpoints
    it every `every` seconds. A no-op but for a SQLite file."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        yield
        return
    sa.event.listen(engine, "connect", _no_autocheckpoint)
    engine.dispose()  # connections already pooled were opened checkpointing
    stop = threading.Event()
    thread = threading.Thread(
        target=_checkpoint_until, args=(engine, stop, every), name="wal-checkpoints", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        sa.event.remove(engine, "connect", _no_autocheckpoint)


def _checkpoint_until(engine: Engine, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
        except sa.exc.DBAPIError as error:  # a missed checkpoint is caught up by the next
            log.warning("WAL checkpoint failed: %s", error)
