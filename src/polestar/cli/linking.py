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

Ingest commits small chunks (`Settings.ingest_chunk_records`) so a crash loses little; committed
records are handed over once `HAND_OVER` have come, and the rest when the ingest ends. A killed
ingest leaves unplaced what it had committed but not yet handed over (its changed records listed
as awaiting placement: `store.replaced_rows`), and unindexed what was placed but not yet indexed
(each process finishes the batch in hand, then stops at the end of its input): `polestar link
--incremental` places and indexes both.

The processes' bodies are `linkage.on_arrival` and `search.on_arrival`, outside the command
line, and they start without running the `polestar` script again (`processes.start_spawned`):
each imports only what it needs, where each used to spend seconds importing the whole command
line while the ingest needed the cores.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from contextlib import suppress
from multiprocessing.connection import Connection

from polestar.errors import PolestarError
from polestar.linkage.arrivals import ArrivalsReport
from polestar.linkage.on_arrival import link_arrivals
from polestar.processes import start_spawned
from polestar.search.on_arrival import index_placed
from polestar.settings import Settings

# Committed source records handed over at once. Placing has a cost per batch, so bigger batches
# place faster, but the indexing process cannot start before the first is placed, and once the
# ingest has ended it is the last to finish. bench/incremental.py's delta at 1M, linked ingest
# alone: 20,000 at a time (`arrivals.CHUNK`, what `link --incremental` places) 49.7–51.0 s;
# 15,000: 47.4 and 47.7 s; 12,500: 47.7 and 48.2 s; 10,000: 48.5 and 48.7 s; 5,000: 52.3 s.
HAND_OVER = 15_000


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
                target=link_arrivals,
                args=(linking_end, linking_outbox, settings, actor),
                name="polestar-linking",
            ),
            context.Process(
                target=index_placed,
                args=(indexing_inbox, indexing_end, settings),
                name="polestar-indexing",
            ),
        )
        for process in self._processes:
            start_spawned(process)
        # Only the children keep these ends: when one stops, the other sees its input end.
        for end in (linking_end, indexing_end, indexing_inbox, linking_outbox):
            end.close()
        self._pending: list[int] = []

    def __call__(self, record_ids: Sequence[int]) -> None:
        self._pending.extend(record_ids)
        if len(self._pending) >= HAND_OVER:
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
