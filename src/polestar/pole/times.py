"""Normalising times of events to UTC, flagging local times the clocks made unclear.

Most sources record wall-clock time in Britain without saying whether it was GMT or BST.
Twice a year that is not enough: in the autumn an hour happens twice, and in the spring an
hour never happens at all. We still store a time (the event did happen), but flag it so that
anyone comparing times around a clock change knows the order may be out by an hour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from polestar.errors import InvalidValue

TimeFlag = Literal["ambiguous", "nonexistent"]
_EXAMPLE = datetime(1987, 6, 25, 14, 30, 0)
# The strptime directives that read a time of day; a format with none of them reads a day.
_TIME_OF_DAY = re.compile(r"%[HIMSXcpfT]")
# The county's clock: sources without an offset are read in it, and people are shown it.
LONDON = ZoneInfo("Europe/London")


def wall_clock(moment: str | datetime | None) -> str:
    """A stored time as people read it, on pages and at the command line alike: Europe/London,
    to the minute (a hearing at midnight BST is on its own day, not 23:00 the day before). A
    date without a time, or text that is not a time, is shown as it is."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        if len(moment) <= 10:
            return moment
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def london_day(moment: datetime) -> date:
    """The county's day a stored time falls on: a supervision that starts on 1 July is stored
    at 23:00 UTC on 30 June, and starts on 1 July."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The start of the county's `day` as a UTC time: the bounds of a day or a month of
    stored times, as `london_day` reads them back."""
    return datetime.combine(day, time(), LONDON).astimezone(UTC)


def event_time(moment: datetime | None, day_only: bool = False) -> str | None:
    """An event's time in ISO 8601, as the API gives it and `wall_clock` shows it: the London
    day alone (`2025-03-07`) when its source gave no time of day, so that nobody reads the
    midnight it is stored at as the time it happened."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return london_day(moment).isoformat() if day_only else moment.isoformat()


@dataclass(frozen=True)
class LocalTimeResult:
    """A moment in UTC, with a flag when the local time it came from was unclear.

    Attributes:
        utc: The moment, timezone-aware in UTC.
        flag: `ambiguous` for a time in the hour repeated when clocks go back (the first
            occurrence was taken); `nonexistent` for a time in the hour skipped when clocks
            go forward (moved forward by the gap); None otherwise.
        day_only: the source gave a day and no time of day (a format without hours): `utc`
            is the start of that day in the zone, which is not a time anyone recorded.
    """

    utc: datetime
    flag: TimeFlag | None = None
    day_only: bool = False


class LocalTime:
    """A time of day on a date, as a source wrote it, normalised to UTC."""

    @classmethod
    def clean(
        cls,
        raw: str,
        formats: Sequence[str] = ("%Y-%m-%dT%H:%M:%S",),
        zone: str = "Europe/London",
    ) -> LocalTimeResult:
        """Return the moment `raw` names, in UTC.

        An ISO 8601 time with an offset or `Z` is taken as given, whatever `formats` says.
        Otherwise the first `strptime` format that fits is used; a result without an offset
        is read as wall-clock time in `zone`.

        Args:
            raw: The text of the time, such as `2024-10-27T01:30:00`.
            formats: `strptime` formats to try, in order.
            zone: The IANA time zone of times without an offset.

        Returns:
            The moment in UTC and, for wall-clock times made unclear by a clock change,
            a flag (see `LocalTimeResult`).

        Raises:
            InvalidValue: If no format fits, `zone` is unknown, or the time is out of range.
        """
        text = raw.strip()
        if not text:
            raise InvalidValue("time is empty")
        try:
            parsed, fmt = _parse(text, formats)
            if parsed.tzinfo is not None:
                return LocalTimeResult(parsed.astimezone(UTC))
            placed = _from_wall_clock(parsed, _zone(zone))
            return replace(placed, day_only=fmt is not None and not _TIME_OF_DAY.search(fmt))
        except OverflowError as error:
            raise InvalidValue(f"{raw!r} is too far from the present to hold") from error


def _parse(text: str, formats: Sequence[str]) -> tuple[datetime, str | None]:
    """The time `text` names, and the format that read it (None for ISO with an offset)."""
    try:
        given = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        if given.tzinfo is not None:
            return given, None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt), fmt
        except ValueError:
            continue
    examples = ", ".join(_EXAMPLE.strftime(fmt) for fmt in formats)
    raise InvalidValue(
        f"{text!r} is not a time in the expected format, such as {examples} "
        "or ISO 8601 with an offset"
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidValue(f"{name!r} is not a known time zone, such as Europe/London") from error


def _from_wall_clock(naive: datetime, zone: ZoneInfo) -> LocalTimeResult:
    """Place a naive wall-clock time in `zone`, following PEP 495 for clock changes.

    With `fold=0` zoneinfo gives a repeated time the offset in force before the change (its
    first occurrence) and a skipped time the same, which moves it forward by the gap:
    01:30 on the day clocks go forward becomes 02:30 BST, which is 01:30 UTC.
    """
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    utc = first.astimezone(UTC)
    if first.utcoffset() == second.utcoffset():
        return LocalTimeResult(utc)
    exists = utc.astimezone(zone).replace(tzinfo=None) == naive
    return LocalTimeResult(utc, "ambiguous" if exists else "nonexistent")
