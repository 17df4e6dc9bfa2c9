"""A server's commits leave SQLite's WAL to a background thread, which copies it back."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from polestar.store.engine import create_engine
from polestar.store.wal import checkpoints_in_background

PAGES = 1_500  # past SQLite's automatic checkpoint, 1,000 pages


def _write_pages(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS ballast (body BLOB)")
        conn.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO ballast SELECT randomblob(4000) FROM n",
            (PAGES,),
        )


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_commit_past_a_thousand_pages_leaves_the_checkpoint_to_the_thread(
    tmp_path: Path,
) -> None:
    database = tmp_path / "store.db"
    engine = create_engine(f"sqlite:///{database}")
    _write_pages(engine)  # the database file now holds the table and its first pages
    before = database.stat().st_size
    # The database file grows only when a checkpoint copies pages into it from the WAL.
    with checkpoints_in_background(engine, every=3600):  # a thread that waits an hour
        _write_pages(engine)
        assert database.stat().st_size == before, "the commit itself checkpointed"
    with checkpoints_in_background(engine, every=0.05):
        assert _wait_for(lambda: database.stat().st_size > before), "the thread never did"
    engine.dispose()


def test_connections_checkpoint_again_once_the_block_ends(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    engine = create_engine(f"sqlite:///{database}")
    _write_pages(engine)
    with checkpoints_in_background(engine, every=3600):
        pass
    before = database.stat().st_size
    _write_pages(engine)
    assert database.stat().st_size > before
    engine.dispose()
