"""Linking an ingest's arrivals, and indexing them for search, in processes of their own.

Once a batch run exists, records join their entities as they commit and are then made
searchable (ARCHITECTURE.md premise 4: the edge composes ingest, linkage and search). Ingest is
single-threaded Python, and placing and indexing what it commits cost more than the ingest
itself; in the ingest's own thread the three added up. So a linking process places what the
ingest commits (the ingest hands it the ids through a pipe and waits only at the end), and an
indexing process indexes what the linking process has placed, while it places the next batch:
once the ingest has ended, the two share the machine's cores. Batches are placed, then indexed,
in the order they were handed over, whenever each process gets to them, so where a record lands
does not depend on timing (taking every batch waiting at once was tried: no faster at 1M, and
the batches then depended on timing).

Ingest commits small chunks (`Settings.ingest_chunk_records`) so a crash loses little; linkage
places `arrivals.CHUNK` records at a time, so committed records are handed over once that many
have come, and the rest when the ingest ends. A killed ingest leaves unplaced what it had
committed but not yet handed over, and unindexed what was placed but not yet indexed (each
process finishes the batch in hand, then stops at the end of its input): `polestar link
--incremental` places and indexes both.
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
    """The linking or the indexing process stopped with an error; the records it had not placed
    or indexed are left for `polestar link --incremental`."""


class Linker:
    """The ingest's side: `on_chunk_committed` hands records over; `finish` waits for the rest.

    Use as a context manager: leaving it early (the ingest failed) tells the processes to stop
    after the batch in hand, and waits for them.
    """

    def __init__(self, settings: Settings, actor: str) -> None:
        # Spawned, not forked: the ingest holds database connections and a progress thread.
        context = multiprocessing.get_context("spawn")
        self._pipe, linking_end = context.Pipe()
        self._indexed, indexing_end = context.Pipe()
        indexing_inbox, linking_outbox = context.Pipe(duplex=False)
        self._processes = (
            context.Process(
                target=_link_arrivals,
                args=(linking_end, linking_outbox, settings, actor),
                name="polestar-linking",
            ),
            context.Process(
                target=_index_placed,
                args=(indexing_inbox, indexing_end, settings),
                name="polestar-indexing",
            ),
        )
        for process in self._processes:
            process.start()
        # Only the children keep these ends: when one stops, the other sees its input end.
        for end in (linking_end, indexing_end, indexing_inbox, linking_outbox):
            end.close()
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
        placed = _last_word(self._pipe, "linking", send_first=True)  # the report, or why not
        indexed = (
            _last_word(self._indexed, "indexing") if isinstance(placed, ArrivalsReport) else None
        )
        self._join()
        if not isinstance(placed, ArrivalsReport):
            raise LinkingFailed(
                f"linking on arrival failed: {placed}. The ingested records are stored; "
                "`polestar link --incremental` places and indexes those left out."
            )
        if indexed is not None:
            raise LinkingFailed(
                f"indexing for search on arrival failed: {indexed}. The ingested records are "
                "stored and placed; `polestar link --incremental` indexes those left out."
            )
        return placed

    def _join(self) -> None:
        for process in self._processes:
            process.join()

    def __enter__(self) -> Linker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # If the ingest failed, the linking process sees its input end and stops; then the
        # indexing process sees its own end.
        self._pipe.close()
        self._indexed.close()
        self._join()


def _last_word(pipe: Connection, name: str, *, send_first: bool = False) -> object:
    """What a process says when it has finished (after being told to, with `send_first`)."""
    try:
        if send_first:
            pipe.send(None)
        return pipe.recv()
    except (OSError, EOFError):
        return f"the {name} process ended without a word"


def _link_arrivals(pipe: Connection, placed: Connection, settings: Settings, actor: str) -> None:
    """The linking process: place each batch it is handed and pass it on to be indexed, until
    told to end; then answer with what it placed."""
    engine = create_engine(settings=settings)
    try:
        arrivals = start_arrivals(engine, settings, actor)
        if arrivals is None:
            raise LinkingFailed("no batch linkage run has placed people in this store")
        with arrivals:
            for batch in _batches(pipe):
                arrivals.assign(batch)
                with suppress(OSError):  # the indexing process has stopped: `finish` reads why
                    placed.send(batch)
        with suppress(OSError):
            placed.send(None)
        pipe.send(arrivals.report())
    except (EOFError, KeyboardInterrupt):  # the ingest went away: what was placed stays placed
        pass
    except Exception as error:
        with suppress(OSError):
            pipe.send(f"{type(error).__name__}: {error}")
    finally:
        placed.close()
        engine.dispose()


def _index_placed(placed: Connection, pipe: Connection, settings: Settings) -> None:
    """The indexing process: make each placed batch searchable, in the order placed; at the
    end merge the recent keys if due (the ingest has stopped writing, and waits for this rather
    than for a commit), and answer None, or why it failed."""
    engine = create_engine(settings=settings)
    try:
        for batch in _batches(placed):
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


def _batches(pipe: Connection) -> Iterator[list[int]]:
    """Each batch of record ids handed over, until the None that ends them.

    A thread reads them as they come: a batch's ids outgrow the pipe's buffer, so unread they
    would hold the sender at `send` until this process had finished the batch before.
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
