"""Whether this process may fork, how to start worker processes when it may not, and the
batches of record ids a worker is handed through a pipe.

A fork is the quickest start (nothing is imported again), but the child gets a copy of a
process caught mid-flight: a lock another thread held stays held for ever, and greenlets
(Playwright's sync API, gevent) are torn down by the child's garbage collector, which crashed
a generator worker with a segmentation fault. So a fork is used only by a plain process.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess


def fork_is_safe(*, threads_allowed: bool = False) -> bool:
    """True when the platform can fork and this process runs no greenlets and (unless the
    child touches no lock another thread might hold: `threads_allowed`) only one thread."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and "greenlet" not in sys.modules
        and (threads_allowed or threading.active_count() == 1)
    )


def worker_context(preload: list[str]) -> BaseContext:
    """A fork when that is safe, else a fresh fork server with `preload` imported once."""
    if fork_is_safe():
        return multiprocessing.get_context("fork")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return context


def start_spawned(process: BaseProcess) -> None:
    """Start a spawned `process` without running the parent's main script again in it.

    A spawned child runs the parent's `__main__` again, so that what the script defines can be
    unpickled there. The `polestar` script defines nothing but imports the whole command line
    (the web app included): 6 s to import alone on a slow machine, about 12 CPU-seconds in
    each child of an ingest that linked on arrival, while the ingest needed the cores. So
    `process`'s target must live in an importable module, never in a script.
    """
    main = sys.modules["__main__"]
    script = main.__dict__.pop("__file__", None)
    try:
        process.start()
    finally:
        if script is not None:
            main.__file__ = script


@contextmanager
def failure_sent(pipe: Connection) -> Iterator[None]:
    """A worker's body: an error is sent through `pipe` as one line (`Type: message`) for the
    parent to show; the end of its input (the sender went away: what was done stays done) or
    an interrupt ends it quietly."""
    try:
        yield
    except (EOFError, KeyboardInterrupt):
        pass
    except Exception as error:
        with suppress(OSError):  # the parent has gone too
            pipe.send(f"{type(error).__name__}: {error}")


def handed_over(pipe: Connection) -> Iterator[list[int]]:
    """Each batch of record ids handed over through `pipe`, until the None that ends them.

    A thread reads them as they come: a batch's ids outgrow the pipe's buffer, so unread they
    would hold the sender at `send` until this process had finished the batch before. Raises
    EOFError when the sender went away without the None.
    """
    waiting: queue.SimpleQueue[list[int] | EOFError | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while (batch := pipe.recv()) is not None:
                waiting.put(batch)
            waiting.put(None)
        except EOFError as ended:
            waiting.put(ended)

    threading.Thread(target=read, name="polestar-inbox", daemon=True).start()
    while (batch := waiting.get()) is not None:
        if isinstance(batch, EOFError):
            raise batch
        yield batch
