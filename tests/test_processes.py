"""When Polestar forks and when it starts a fork server instead."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator

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
