"""The indexing process of an ingest (`polestar.cli.linking` starts it): makes each batch the
linking process placed searchable, in the order placed.

In a module of its own, outside the command line, so that the spawned process imports only
what indexing needs (`processes.start_spawned`).
"""

from __future__ import annotations

from multiprocessing.connection import Connection

from polestar.processes import failure_sent, handed_over
from polestar.search.index import merge_if_due, refresh
from polestar.settings import Settings
from polestar.store.engine import create_engine


def index_placed(placed: Connection, pipe: Connection, settings: Settings) -> None:
    """Refresh the index for each batch handed over through `placed`; at the end merge the
    recent keys if due (the ingest has stopped writing, and waits for this rather than for a
    commit), and answer through `pipe` with None, or why it failed."""
    engine = create_engine(settings=settings)
    try:
        with failure_sent(pipe):
            for batch in handed_over(placed):
                refresh(engine, batch)
            merge_if_due(engine)
            pipe.send(None)
    finally:
        engine.dispose()
