"""The indexing process of an ingest (`polestar.cli.linking` starts it): makes each batch the
linking process placed searchable, in the order placed.

In a module of its own, outside the command line, so that the spawned process imports only
what indexing needs (`processes.start_spawned`).
"""

from __future__ import annotations

from contextlib import suppress
from multiprocessing.connection import Connection

from polestar.processes import handed_over
from polestar.search.index import merge_if_due, refresh
from polestar.settings import Settings
from polestar.store.engine import create_engine


def index_placed(placed: Connection, pipe: Connection, settings: Settings) -> None:
    """Refresh the index for each batch handed over through `placed`; at the end merge the
    recent keys if due (the ingest has stopped writing, and waits for this rather than for a
    commit), and answer through `pipe` with None, or why it failed."""
    engine = create_engine(settings=settings)
    try:
        for batch in handed_over(placed):
            refresh(engine, batch)
        merge_if_due(engine)
        pipe.send(None)
    except (EOFError, KeyboardInterrupt):  # the linking stopped: what was indexed stays indexed
        pass
    except Exception as error:
        with suppress(OSError):
            pipe.send(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()
