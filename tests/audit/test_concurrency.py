"""Two processes appending at once still leave one valid chain (SQLite and PostgreSQL); threads
of one process, then processes, queue for SQLite's writer lock outside SQLite's busy handler."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.settings import Settings
from polestar.store import audit_log
from polestar.store.tables import audit_entries
from tests.audit.appender import append

PER_PROCESS = 40


def test_two_processes_appending_at_once_still_verify(
    db: Engine, settings: Settings, database_url: str
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(
            target=append,
            args=(database_url, str(settings.data_dir), actor, PER_PROCESS, start),
        )
        for actor in ("pc.one", "pc.two")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]

    report = audit.verify(db, settings)
    assert report.as_dict() == {"ok": True, "entries": 2 * PER_PROCESS, "first_bad": None}
    with db.connect() as conn:
        actors = conn.execute(sa.select(audit_entries.c.actor).order_by(audit_entries.c.seq))
        order = [row.actor for row in actors]
    assert order.count("pc.one") == order.count("pc.two") == PER_PROCESS


# SQLite only: PostgreSQL appenders queue on its advisory lock, not on SQLite's write lock.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_thread_waits_for_an_append_in_the_process_not_in_sqlite(
    db: Engine, settings: Settings
) -> None:
    event = audit.Consultation(
        action="person.show", actor="pc.two", occurred_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    second = threading.Thread(target=audit.record, args=(db, event, settings))
    with audit_log.appending(db):
        second.start()
        second.join(timeout=0.5)
        # Still waiting, and without a connection: it has not reached SQLite's busy handler.
        assert second.is_alive()
        assert db.pool.checkedout() == 1  # type: ignore[attr-defined]
    second.join(timeout=30)
    assert not second.is_alive()
    assert audit.verify(db, settings).as_dict() == {"ok": True, "entries": 1, "first_bad": None}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_processes_queue_on_a_file_lock_beside_the_database(db: Engine, settings: Settings) -> None:
    """Another process (`serve --workers 2`) waits on the lock file, woken as it is released."""
    database = db.url.database
    assert database is not None

    def taken() -> bool:
        # flock locks of two open files conflict even within one process: this is how
        # another process's attempt would fare.
        probe = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(probe)
        return False

    with audit_log.appending(db) as conn:
        assert taken()
        audit.record_in(
            conn,
            audit.Consultation(
                action="person.show", actor="pc.one", occurred_at=datetime(2026, 12, 2, tzinfo=UTC)
            ),
            settings,
        )
    assert not taken()
    assert audit.verify(db, settings).as_dict() == {"ok": True, "entries": 1, "first_bad": None}
