"""When things happen in the synthetic county: the window of events, times of day, clock changes.

The county is generated as of a fixed date, not today, so that the same seed gives the same bytes
on any day. Event times are naive local (Europe/London) times, as source systems write them; a
few are placed on purpose inside the hour that does not exist (spring) or happens twice (autumn)
so that ingest's handling of those hours is exercised at every county size.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

# The day the county is generated "as of": events fall in the ~3 years before it.
AS_OF = date(2026, 6, 1)
WINDOW_DAYS = 3 * 365 + 1
WINDOW_START = AS_OF - timedelta(days=WINDOW_DAYS)

# Share of event times moved into a clock-change hour (documented in docs/synth.md).
CLOCK_CHANGE_SHARE = 0.004

# Calls and crimes peak in the evening and are fewest before dawn (weights per hour 0..23).
_HOUR_WEIGHTS = (3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 8, 8, 8, 7, 6, 4)
_HOUR_CUM = tuple(sum(_HOUR_WEIGHTS[: i + 1]) for i in range(24))


def _last_sunday(year: int, month: int) -> date:
    """UK clocks change at 01:00 UTC on the last Sunday of March and of October."""
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def clock_change_days() -> tuple[date, ...]:
    """Return the days in the window on which UK clocks change, in order.

    On these days local times from 01:00 to 01:59 are missing (March) or happen twice (October).
    """
    days = []
    for year in range(WINDOW_START.year, AS_OF.year + 1):
        for month in (3, 10):
            day = _last_sunday(year, month)
            if WINDOW_START <= day < AS_OF:
                days.append(day)
    return tuple(days)


CLOCK_CHANGE_DAYS = clock_change_days()


def window_day(index: int) -> date:
    """Return the `index`-th day of the window (0 is its first day)."""
    return WINDOW_START + timedelta(days=index % WINDOW_DAYS)


def time_of_day(rng: random.Random) -> time:
    """Draw a local time of day with the evening peak of police demand."""
    hour = rng.choices(range(24), cum_weights=_HOUR_CUM)[0]
    return time(hour, rng.randrange(60), rng.randrange(60))


def clock_change_time(rng: random.Random, day: date) -> datetime:
    """Return a time inside the missing or repeated hour (01:00-01:59 local) of `day`."""
    return datetime.combine(day, time(1, rng.randrange(60), rng.randrange(60)))


def event_time(rng: random.Random) -> datetime:
    """Draw a naive local event time in the window, sometimes inside a clock-change hour."""
    if rng.random() < CLOCK_CHANGE_SHARE:
        return clock_change_time(rng, rng.choice(CLOCK_CHANGE_DAYS))
    return datetime.combine(window_day(rng.randrange(WINDOW_DAYS)), time_of_day(rng))


def after(rng: random.Random, start: datetime, max_hours: float) -> datetime:
    """Return a time up to `max_hours` after `start`, to the second."""
    return start + timedelta(seconds=rng.randrange(60, max(61, int(max_hours * 3600))))


def random_date(rng: random.Random, start: date, end: date) -> date:
    """Draw a day uniformly from `start` to `end` inclusive (`start` if the range is empty)."""
    span = (end - start).days
    return start if span <= 0 else start + timedelta(days=rng.randint(0, span))


def age_on(dob: date, day: date) -> int:
    """Return the age in whole years of someone born on `dob`, on `day`."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def iso_date(day: date) -> str:
    """Format yyyy-mm-dd."""
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def iso_time(moment: datetime) -> str:
    """Format yyyy-mm-ddTHH:MM:SS, without an offset (local time)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
