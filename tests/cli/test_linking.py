"""Linking an ingest's arrivals in a second process: batches waiting are taken together, and
a process that fails says why (its linking on arrival is covered in tests/linkage)."""

from __future__ import annotations

import multiprocessing

import pytest

from polestar.cli.linking import Linker, LinkingFailed, _batches
from polestar.settings import Settings


def test_a_linker_behind_takes_every_batch_waiting_at_once() -> None:
    ours, theirs = multiprocessing.Pipe()
    for message in ([1, 2], [3], None):
        ours.send(message)

    assert list(_batches(theirs)) == [[1, 2, 3]]


def test_a_batch_handed_over_alone_is_placed_alone() -> None:
    ours, theirs = multiprocessing.Pipe()
    ours.send([1, 2])
    batches = _batches(theirs)
    assert next(batches) == [1, 2]
    ours.send([3])
    ours.send(None)
    assert list(batches) == [[3]]


def test_a_linking_process_that_fails_says_why(settings: Settings) -> None:
    # Nothing listens on port 1: the process cannot open the store.
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/polestar"}
    )
    with Linker(unreachable, "cli:test") as linker:
        linker([1, 2, 3])
        with pytest.raises(LinkingFailed, match="linking on arrival failed: OperationalError"):
            linker.finish()
