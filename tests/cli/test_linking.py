"""Linking an ingest's arrivals, and indexing them, in processes of their own: a process that
fails says why (linking and indexing on arrival themselves are covered in tests/linkage, the
batches handed over in tests/test_processes.py)."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.cli.linking import Linker, LinkingFailed
from polestar.search.on_arrival import index_placed
from polestar.settings import Settings


def test_a_linking_process_that_fails_says_why(settings: Settings) -> None:
    # Nothing listens on port 1: the process cannot open the store.
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/polestar"}
    )
    with Linker(unreachable, "cli:test") as linker:
        linker([1, 2, 3])
        with pytest.raises(LinkingFailed, match="linking on arrival failed: OperationalError"):
            linker.finish()


def test_an_indexing_process_that_fails_says_why(db: Engine, settings: Settings) -> None:
    with db.begin() as conn:  # refreshing a batch then finds no table for its keys
        conn.execute(sa.text("DROP TABLE search_keys_recent"))
    inbox, linking = multiprocessing.Pipe(duplex=False)
    ingest, indexing = multiprocessing.Pipe()
    for message in ([1, 2], None):
        linking.send(message)

    index_placed(inbox, indexing, settings)

    assert ingest.recv().startswith(("OperationalError", "ProgrammingError"))
