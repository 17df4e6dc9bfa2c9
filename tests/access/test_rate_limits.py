"""The in-process sliding window: N requests in any 60 seconds per user, then a wait."""

from __future__ import annotations

from datetime import timedelta

from polestar.access.rate_limits import SlidingWindow, retry_after_seconds
from tests.access.conftest import NOW


def test_the_limit_is_per_user_and_slides_with_time() -> None:
    window = SlidingWindow(limit=3, window=60)
    for second in (0, 10, 20):
        assert window.hit("amy", NOW + timedelta(seconds=second)) is None
    assert window.hit("amy", NOW + timedelta(seconds=30)) == 30  # the first hit leaves at 60
    assert window.hit("bob", NOW + timedelta(seconds=30)) is None
    assert window.hit("amy", NOW + timedelta(seconds=60)) is None  # the first hit has left
    assert window.hit("amy", NOW + timedelta(seconds=61)) == 9


def test_a_refused_request_does_not_count() -> None:
    window = SlidingWindow(limit=1, window=60)
    assert window.hit("amy", NOW) is None
    for second in range(1, 59):
        assert window.hit("amy", NOW + timedelta(seconds=second)) is not None
    assert window.hit("amy", NOW + timedelta(seconds=60)) is None


def test_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert [retry_after_seconds(w) for w in (0.0, 0.2, 1.0, 29.1)] == [1, 1, 1, 30]
