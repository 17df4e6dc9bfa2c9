"""Event times: within the window, including the missing and repeated hours."""

from __future__ import annotations

import csv
from datetime import datetime

from conftest import County
from polestar.synth.timeline import AS_OF, CLOCK_CHANGE_DAYS, WINDOW_START


def test_clock_change_days_are_last_sundays_of_march_and_october() -> None:
    assert len(CLOCK_CHANGE_DAYS) == 6
    for day in CLOCK_CHANGE_DAYS:
        assert day.weekday() == 6
        assert day.month in (3, 10)
        assert day.day > 24


def test_times_fall_in_the_window_and_inside_clock_change_hours(county: County) -> None:
    times = [datetime.fromisoformat(str(c["occurred_at"])) for c in county.crimes]
    with (county.path / "incidents.csv").open(encoding="utf-8", newline="") as handle:
        times += [datetime.fromisoformat(row["call_time"]) for row in csv.DictReader(handle)]
    assert all(WINDOW_START <= t.date() <= AS_OF for t in times)
    changes = [t for t in times if t.date() in CLOCK_CHANGE_DAYS and t.hour == 1]
    assert {t.month for t in changes} == {3, 10}  # missing (March) and repeated (October) hours
