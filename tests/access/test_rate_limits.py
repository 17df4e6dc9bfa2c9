"""Rate limits kept in the store: a sliding-window counter that every process (here, every
engine) shares, refusing with the right wait, and forgetting old windows."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.access.rate_limits import StoredWindow, retry_after_seconds
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.tables import rate_windows
from tests.access.conftest import NOW

assert NOW.timestamp() % 60 == 0  # the tests below count seconds from a window's start


def _at(second: float) -> timedelta:
    return timedelta(seconds=second)


@pytest.fixture
def other_process(db: Engine, settings: Settings) -> Iterator[Engine]:
    """A second engine on the same store, as another server process holds."""
    engine = create_engine(settings=settings)
    yield engine
    engine.dispose()


def test_the_limit_is_per_key_and_the_wait_is_until_a_hit_fits(db: Engine) -> None:
    limiter = StoredWindow(db, "requests", limit=3)
    for second in (0, 10, 20):
        assert limiter.hit("amy", NOW + _at(second)) is None
    assert limiter.hit("amy", NOW + _at(30)) == 30  # full until this window ends
    assert limiter.hit("bob", NOW + _at(30)) is None
    # The next window starts weighing the full one at 3 (refused), then less and less.
    assert limiter.hit("amy", NOW + _at(60)) == 0
    assert limiter.hit("amy", NOW + _at(61)) is None  # 3 x 59/60 + 0 < 3
    wait = limiter.hit("amy", NOW + _at(62))  # 3 x 58/60 + 1 >= 3 until 3 x w + 1 < 3
    assert wait is not None
    assert wait == pytest.approx(18)
    assert limiter.hit("amy", NOW + _at(62 + retry_after_seconds(wait))) is None


def test_a_refused_hit_is_not_counted(db: Engine) -> None:
    limiter = StoredWindow(db, "requests", limit=1)
    assert limiter.hit("amy", NOW) is None
    for second in range(1, 60, 3):
        assert limiter.hit("amy", NOW + _at(second)) is not None
    # Had the refusals counted, the next window would weigh 20 hits, not 1.
    assert limiter.hit("amy", NOW + _at(61)) is None


def test_limits_of_different_names_count_apart(db: Engine) -> None:
    requests = StoredWindow(db, "requests", limit=1)
    sign_ins = StoredWindow(db, "sign-in", limit=1)
    assert requests.hit("amy", NOW) is None
    assert sign_ins.hit("amy", NOW) is None
    assert requests.hit("amy", NOW) is not None


def test_the_limit_holds_across_processes(db: Engine, other_process: Engine) -> None:
    limiters = [StoredWindow(db, "requests", limit=5), StoredWindow(other_process, "requests", 5)]
    answers = [limiters[n % 2].hit("amy", NOW + _at(n)) for n in range(10)]
    assert [answer is None for answer in answers] == [True] * 5 + [False] * 5


def test_concurrent_hits_from_two_processes_never_pass_the_limit(
    db: Engine, other_process: Engine
) -> None:
    limiters = [StoredWindow(db, "requests", limit=30), StoredWindow(other_process, "requests", 30)]

    def hits(limiter: StoredWindow) -> list[float | None]:
        return [limiter.hit("amy", NOW + _at(5)) for _ in range(40)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = [a for batch in pool.map(hits, limiters * 2) for a in batch]
    assert sum(answer is None for answer in answers) == 30
    assert all(answer == pytest.approx(55) for answer in answers if answer is not None)


def _windows(db: Engine) -> list[tuple[str, int]]:
    with db.connect() as conn:
        query = sa.select(rate_windows.c.key, rate_windows.c.started)
        return sorted((row.key, row.started) for row in conn.execute(query))


def test_windows_expire_once_they_weigh_nothing(db: Engine) -> None:
    limiter = StoredWindow(db, "requests", limit=5)
    start = int(NOW.timestamp())
    limiter.hit("amy", NOW)
    limiter.hit("bob", NOW + _at(61))
    assert _windows(db) == [("requests:amy", start), ("requests:bob", start + 60)]
    limiter.hit("bob", NOW + _at(121))  # amy's window is two windows old: gone
    assert _windows(db) == [("requests:bob", start + 60), ("requests:bob", start + 120)]
    limiter.hit("cy", NOW + _at(600))
    assert _windows(db) == [("requests:cy", start + 600)]


def test_retry_after_is_the_first_whole_second_after_the_wait() -> None:
    assert [retry_after_seconds(w) for w in (0.0, 0.2, 1.0, 29.1)] == [1, 1, 2, 30]
