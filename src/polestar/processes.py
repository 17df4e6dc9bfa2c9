"""Whether this process may fork, and how to start worker processes when it may not.

A fork is the quickest start (nothing is imported again), but the child gets a copy of a
process caught mid-flight: a lock another thread held stays held for ever, and greenlets
(Playwright's sync API, gevent) are torn down by the child's garbage collector, which crashed
a generator worker with a segmentation fault. So a fork is used only by a plain process.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from multiprocessing.context import BaseContext


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
