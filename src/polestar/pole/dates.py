"""Normalising calendar dates (dates of birth, event dates) from the formats sources write them in.

Sources each use their own layout, so a mapping names its formats and the first that fits wins.
Dates that cannot be true of anything we hold (before 1880, or in the future) are refused
rather than stored: they are almost always a mistyped year or a swapped day and month.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from polestar.errors import InvalidValue

# No one alive or on record in our sources was born before this; earlier years are typos.
EARLIEST = date(1880, 1, 1)
_EXAMPLE = datetime(1987, 6, 25, 14, 30, 0)


class DateValue:
    """A calendar date, read with the formats a source mapping declares."""

    @classmethod
    def clean(cls, raw: str, formats: Sequence[str] = ("%Y-%m-%d",)) -> date:
        """Return the date `raw` names, trying each `strptime` format in turn.

        Two-digit years (`%y`) are read as the most recent such year not in the future, so
        `01/02/65` is 1965, not 2065 as `strptime` alone would have it.

        Args:
            raw: The text of the date, such as `1980-02-29` or `29/02/1980`.
            formats: `strptime` formats to try, in order.

        Returns:
            The date.

        Raises:
            InvalidValue: If no format fits, the date does not exist (31/02/1980), or it is
                before 1 January 1880 or after today.
        """
        text = raw.strip()
        if not text:
            raise InvalidValue("date is empty")
        impossible = False
        for fmt in formats:
            try:
                parsed = datetime.strptime(text, fmt).date()
            except ValueError as error:
                # strptime matches the layout first, then builds the date: "day is out of
                # range for month" means the layout fitted but the day does not exist.
                impossible = impossible or "out of range" in str(error)
                continue
            return _in_range(raw, _pivot_two_digit_year(parsed, fmt))
        if impossible:
            raise InvalidValue(f"{text!r} is not a real date: check the day and month")
        examples = ", ".join(_EXAMPLE.strftime(fmt) for fmt in formats)
        raise InvalidValue(f"{raw!r} is not a date in the expected format, such as {examples}")


def _pivot_two_digit_year(parsed: date, fmt: str) -> date:
    today = date.today()
    if "%y" not in fmt or parsed <= today:
        return parsed
    try:
        return parsed.replace(year=parsed.year - 100)
    except ValueError:  # 29 February in a year that is leap only in the later century
        return parsed


def _in_range(raw: str, value: date) -> date:
    if value < EARLIEST:
        raise InvalidValue(f"{raw!r} is before 1880: check the year")
    if value > date.today():
        raise InvalidValue(f"{raw!r} is in the future: check the year, day and month")
    return value
