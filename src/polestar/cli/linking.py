"""Linking an ingest's arrivals in a process of its own, while the ingest goes on.

Once a batch run exists, records join their entities as they commit and are then made
searchable (ARCHITECTURE.md premise 4: the edge composes ingest, linkage and search). Ingest is
single-threaded Python, and placing and re-indexing what it commits cost more than the ingest
itself; in the ingest's own thread the two added up. So a second process does them: it opens
the person index while the first chunks are read, and the ingest hands it the ids of what it
commits through a pipe and waits only at the end. It places the batches as they were handed
over, whenever it gets to them, so where a record lands does not depend on timing (taking every
batch waiting at once was tried: no faster at 1M, and the batches then depended on timing).

Ingest commits small chunks (`Settings.ingest_chunk_records`) so a crash loses little; linkage
places `arrivals.CHUNK` records at a time, so committed records are handed over once that many
have come, and the rest when the ingest ends. A killed ingest leaves unplaced what it had
committed but not yet handed over (this process places what it was handed, then stops at the
end of its input): `polestar link --incremental` places it.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from multiprocessing.connection import Connection

from polestar.errors import PolestarError
from polestar.linkage.arrivals import CHUNK, ArrivalsReport, start_arrivals
from polestar.search import merge_if_due, refresh
from polestar.settings import Settings
from polestar.store.engine import create_engine


class LinkingFailed(PolestarError):
    """The linking process stopped with an error; the records it had not placed stay unplaced."""


class Linker:
    """The ingest's side: `on_chunk_committed` hands records over; `finish` waits for the rest.

    Use as a context manager: leaving it early (the ingest failed) tells the process to stop
    after the batch in hand, and waits for it.
    """

    def __init__(self, settings: Settings, actor: str) -> None:
        # Spawned, not forked: the ingest holds database connections and a progress thread.
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(
            target=_link_arrivals, args=(theirs, settings, actor), name="polestar-linking"
        )
        self._process.start()
        theirs.close()
        self._pending: list[int] = []

    def __call__(self, record_ids: Sequence[int]) -> None:
        self._pending.extend(record_ids)
        if len(self._pending) >= CHUNK:
            self._hand_over()

    def _hand_over(self) -> None:
        with suppress(OSError):  # the process has stopped: `finish` reads why
            self._pipe.send(self._pending)
        self._pending = []

    def finish(self) -> ArrivalsReport:
        """Hand over the last records, and wait until every record handed over is placed and
        searchable; returns what the linking did."""
        if self._pending:
            self._hand_over()
        try:
            self._pipe.send(None)
            payload = self._pipe.recv()  # the report, or why it failed
        except (OSError, EOFError):
            payload = "the linking process ended without a word"
        self._process.join()
        if not isinstance(payload, ArrivalsReport):
            raise LinkingFailed(
                f"linking on arrival failed: {payload}. The ingested records are stored; "
                "`polestar link --incremental` places those left unplaced."
            )
        return payload

    def __enter__(self) -> Linker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pipe.close()  # if the ingest failed, the process sees its input end, and stops
        self._process.join()


def _link_arrivals(pipe: Connection, settings: Settings, actor: str) -> None:
    """The linking process: place and index each batch it is handed, until told to end."""
    engine = create_engine(settings=settings)
    try:
        arrivals = start_arrivals(engine, settings, actor)
        if arrivals is None:
            raise LinkingFailed("no batch linkage run has placed people in this store")
        with arrivals:
            for batch in _batches(pipe):
                arrivals.assign(batch)
                refresh(engine, batch)
        merge_if_due(engine)  # the ingest has stopped writing: it waits for this, not at a commit
        pipe.send(arrivals.report())
    except (EOFError, KeyboardInterrupt):  # the ingest went away: what was placed stays placed
        pass
    except Exception as error:
        with suppress(OSError):
            pipe.send(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def _batches(pipe: Connection) -> Iterator[list[int]]:
    """Each batch of record ids to place, until the None that ends them.

    A thread reads them as they come: a batch's ids outgrow the pipe's buffer, so unread they
    would hold the ingest at `send` until this process had placed the batch before.
    """
    waiting: queue.SimpleQueue[list[int] | EOFError | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while (batch := pipe.recv()) is not None:
                waiting.put(batch)
            waiting.put(None)
        except EOFError as ended:
            waiting.put(ended)

    threading.Thread(target=read, name="polestar-linking-inbox", daemon=True).start()
    while (batch := waiting.get()) is not None:
        if isinstance(batch, EOFError):
            raise batch
        yield batch
