"""The linking process of an ingest (`polestar.cli.linking` starts it): places each batch of
arrivals it is handed and passes the batch on to be indexed for search.

In a module of its own, outside the command line, so that the spawned process imports only
what linking needs (`processes.start_spawned`).
"""

from __future__ import annotations

from contextlib import suppress
from multiprocessing.connection import Connection

from polestar.errors import PolestarError
from polestar.linkage.arrivals import start_arrivals
from polestar.processes import failure_sent, handed_over
from polestar.settings import Settings
from polestar.store.engine import create_engine


def link_arrivals(pipe: Connection, placed: Connection, settings: Settings, actor: str) -> None:
    """Place each batch handed over through `pipe` and send it on through `placed`, until told
    to end; then answer through `pipe` with what was placed (an `ArrivalsReport`), or why not.
    """
    engine = create_engine(settings=settings)
    # The ingest keeps a core busy throughout, and the indexing process another once it has
    # work: DuckDB's threads beyond the rest only contend. bench/incremental.py's delta at 1M,
    # on 2 cores, alternated: 50.8–53.4 s with one thread against 52.5–55.5 s with two
    # (89 against 92 CPU-seconds).
    settings = settings.model_copy(update={"link_threads": max(1, settings.link_threads - 1)})
    try:
        with failure_sent(pipe):
            arrivals = start_arrivals(engine, settings, actor)
            if arrivals is None:
                raise PolestarError("no batch linkage run has placed people in this store")
            with arrivals:
                arrivals.index.drop_lookup_indexes()  # batches are chunks: hash joins
                for batch in handed_over(pipe):
                    to_index = arrivals.assign(batch, changed=True)
                    with suppress(OSError):  # the indexing process stopped: the ingest asks why
                        placed.send(to_index)
            with suppress(OSError):
                placed.send(None)
            pipe.send(arrivals.report())
    finally:
        placed.close()  # the indexing process sees its input end
        engine.dispose()
