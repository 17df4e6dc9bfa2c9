"""When Polestar forks and when it starts a fork server instead; spawned workers that skip the
parent's main script; batches handed over through a pipe."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from polestar import processes


@pytest.fixture
def another_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.fixture
def plain_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "greenlet", raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_a_plain_process_forks(plain_process: None) -> None:
    assert processes.fork_is_safe()
    assert processes.worker_context([]).get_start_method() == "fork"


def test_greenlets_rule_out_a_fork_even_where_threads_are_allowed(
    plain_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Playwright's sync API runs on greenlets; a forked copy crashed collecting them.
    monkeypatch.setitem(sys.modules, "greenlet", types.ModuleType("greenlet"))
    assert not processes.fork_is_safe()
    assert not processes.fork_is_safe(threads_allowed=True)
    assert processes.worker_context([]).get_start_method() == "forkserver"


def test_another_thread_rules_out_a_fork_unless_allowed(
    another_thread: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "greenlet", raising=False)
    assert not processes.fork_is_safe()
    assert processes.fork_is_safe(threads_allowed=True)
    assert processes.worker_context([]).get_start_method() == "forkserver"


@pytest.mark.parametrize("skipped", [True, False], ids=["start_spawned", "plain start"])
def test_a_spawned_worker_does_not_run_the_parents_main_script_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skipped: bool
) -> None:
    # The `polestar` script imports the whole command line; each spawned child ran it again.
    ran = tmp_path / "ran"
    script = tmp_path / "script.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    worker = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(0,))

    if skipped:
        processes.start_spawned(worker)
    else:
        worker.start()
    worker.join()

    assert worker.exitcode == 0
    assert ran.exists() is not skipped
    assert main.__file__ == str(script)


def test_batches_are_handed_over_in_order_however_many_wait() -> None:
    ours, theirs = multiprocessing.Pipe()
    for message in ([1, 2], [3], None):
        ours.send(message)

    assert list(processes.handed_over(theirs)) == [[1, 2], [3]]


def test_a_sender_gone_without_the_end_is_an_eof() -> None:
    ours, theirs = multiprocessing.Pipe()
    ours.send([1])
    ours.close()

    batches = processes.handed_over(theirs)
    assert next(batches) == [1]
    with pytest.raises(EOFError):
        next(batches)
