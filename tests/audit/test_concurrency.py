"""Two processes appending at once still leave one valid chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.settings import Settings
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
