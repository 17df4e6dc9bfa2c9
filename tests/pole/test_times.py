from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.times import LocalTime, LocalTimeResult, event_time, wall_clock

LONDON = ZoneInfo("Europe/London")


def utc(
    year: int, month: int, day: int, hour: int, minute: int, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # 2023: clocks went forward 26 March 01:00 GMT, back 29 October 02:00 BST.
        ("2023-03-26T00:59:59", LocalTimeResult(utc(2023, 3, 26, 0, 59, 59))),
        ("2023-03-26T01:00:00", LocalTimeResult(utc(2023, 3, 26, 1, 0), "nonexistent")),
        ("2023-03-26T01:30:00", LocalTimeResult(utc(2023, 3, 26, 1, 30), "nonexistent")),
        ("2023-03-26T02:00:00", LocalTimeResult(utc(2023, 3, 26, 1, 0))),
        ("2023-10-29T00:59:59", LocalTimeResult(utc(2023, 10, 28, 23, 59, 59))),
        ("2023-10-29T01:00:00", LocalTimeResult(utc(2023, 10, 29, 0, 0), "ambiguous")),
        ("2023-10-29T01:30:00", LocalTimeResult(utc(2023, 10, 29, 0, 30), "ambiguous")),
        ("2023-10-29T02:00:00", LocalTimeResult(utc(2023, 10, 29, 2, 0))),
        # 2024: clocks went forward 31 March, back 27 October.
        ("2024-03-31T00:59:59", LocalTimeResult(utc(2024, 3, 31, 0, 59, 59))),
        ("2024-03-31T01:30:00", LocalTimeResult(utc(2024, 3, 31, 1, 30), "nonexistent")),
        ("2024-03-31T01:59:59", LocalTimeResult(utc(2024, 3, 31, 1, 59, 59), "nonexistent")),
        ("2024-03-31T02:00:00", LocalTimeResult(utc(2024, 3, 31, 1, 0))),
        ("2024-10-27T00:30:00", LocalTimeResult(utc(2024, 10, 26, 23, 30))),
        ("2024-10-27T01:30:00", LocalTimeResult(utc(2024, 10, 27, 0, 30), "ambiguous")),
        ("2024-10-27T01:59:59", LocalTimeResult(utc(2024, 10, 27, 0, 59, 59), "ambiguous")),
        ("2024-10-27T02:00:00", LocalTimeResult(utc(2024, 10, 27, 2, 0))),
    ],
)
def test_clock_changes_of_2023_and_2024(raw: str, expected: LocalTimeResult) -> None:
    assert LocalTime.clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-15T12:00:00", utc(2024, 1, 15, 12, 0)),
        ("2024-07-01T12:00:00", utc(2024, 7, 1, 11, 0)),
        (" 2024-07-01T12:00:00 ", utc(2024, 7, 1, 11, 0)),
    ],
)
def test_wall_clock_is_read_as_london_time(raw: str, expected: datetime) -> None:
    assert LocalTime.clean(raw) == LocalTimeResult(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-10-27T01:30:00Z", utc(2024, 10, 27, 1, 30)),
        ("2024-10-27T01:30:00+01:00", utc(2024, 10, 27, 0, 30)),
        ("2024-10-27T01:30:00+00:00", utc(2024, 10, 27, 1, 30)),
        ("2024-03-31T01:30:00+00:00", utc(2024, 3, 31, 1, 30)),
        ("2024-07-01 12:00:00.250-05:00", utc(2024, 7, 1, 17, 0, 0, 250_000)),
    ],
)
def test_iso_with_offset_is_taken_as_given(raw: str, expected: datetime) -> None:
    result = LocalTime.clean(raw)
    assert result == LocalTimeResult(expected)
    assert result.utc.tzinfo is UTC


def test_other_formats_and_zones() -> None:
    assert LocalTime.clean("31/03/2024 01:30", ("%d/%m/%Y %H:%M",)) == LocalTimeResult(
        utc(2024, 3, 31, 1, 30), "nonexistent"
    )
    assert LocalTime.clean("2024-11-03T01:30:00", zone="America/New_York") == LocalTimeResult(
        utc(2024, 11, 3, 5, 30), "ambiguous"
    )


def test_format_with_offset_is_taken_as_given() -> None:
    result = LocalTime.clean("27/10/2024 01:30 +0100", ("%d/%m/%Y %H:%M %z",))
    assert result == LocalTimeResult(utc(2024, 10, 27, 0, 30))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2024-10-27", "expected format, such as 1987-06-25T14:30:00"),
        ("27/10/2024 01:30", "expected format"),
        ("2024-10-27T25:00:00", "expected format"),
        ("0001-01-01T00:00:00+01:00", "too far"),
        ("9999-12-31T23:59:59-01:00", "too far"),
    ],
)
def test_rejects(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        LocalTime.clean(raw)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", ""])
def test_unknown_zone(zone: str) -> None:
    with pytest.raises(InvalidValue, match="not a known time zone"):
        LocalTime.clean("2024-07-01T12:00:00", zone=zone)


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 1, 1)))
def test_wall_clock_round_trips_unless_flagged(naive: datetime) -> None:
    result = LocalTime.clean(naive.strftime("%Y-%m-%dT%H:%M:%S"))
    assert result.utc.tzinfo is UTC
    back = result.utc.astimezone(LONDON).replace(tzinfo=None)
    expected = naive.replace(microsecond=0)
    if result.flag is None or result.flag == "ambiguous":
        assert back == expected
    else:
        assert timedelta(0) < back - expected <= timedelta(hours=2)


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 1, 1)))
def test_idempotent_through_iso(naive: datetime) -> None:
    result = LocalTime.clean(naive.strftime("%Y-%m-%dT%H:%M:%S"))
    again = LocalTime.clean(result.utc.isoformat())
    assert again == LocalTimeResult(result.utc)


@given(st.text())
def test_only_raises_invalid_value(raw: str) -> None:
    try:
        result = LocalTime.clean(raw)
    except InvalidValue:
        return
    assert result.utc.tzinfo is UTC


def test_times_are_shown_on_the_london_clock() -> None:
    assert wall_clock("2025-07-01T12:00:00+00:00") == "2025-07-01 13:00"  # BST
    assert wall_clock(utc(2024, 5, 6, 23, 0)) == "2024-05-07 00:00"  # midnight BST: its own day
    assert wall_clock("2025-01-10T22:00:00") == "2025-01-10 22:00"  # GMT; stored UTC
    assert wall_clock("1980-03-01") == "1980-03-01"  # a date stays a date
    assert wall_clock("not a time at all") == "not a time at all"
    assert wall_clock(None) == wall_clock("") == ""


@pytest.mark.parametrize(
    ("raw", "formats", "day_only"),
    [
        ("2025-03-07", ("%Y-%m-%d",), True),
        ("07/03/2025", ("%d/%m/%Y %H:%M", "%d/%m/%Y"), True),
        ("07/03/2025 00:00", ("%d/%m/%Y %H:%M", "%d/%m/%Y"), False),  # midnight, as recorded
        ("2025-03-07 9pm", ("%Y-%m-%d %I%p",), False),
        ("2025-03-07T00:00:00+00:00", ("%Y-%m-%d",), False),  # ISO with an offset: a time
    ],
)
def test_a_format_without_hours_reads_a_day(
    raw: str, formats: tuple[str, ...], day_only: bool
) -> None:
    assert LocalTime.clean(raw, formats).day_only is day_only


def test_an_event_given_as_a_day_is_shown_as_its_london_day() -> None:
    summer_day = LocalTime.clean("2025-07-01", ("%Y-%m-%d",)).utc  # 2025-06-30 23:00 UTC
    assert event_time(summer_day, day_only=True) == "2025-07-01"
    assert wall_clock(event_time(summer_day, day_only=True)) == "2025-07-01"
    assert event_time(summer_day) == "2025-06-30T23:00:00+00:00"
    assert wall_clock(event_time(summer_day)) == "2025-07-01 00:00"
    assert event_time(datetime(2025, 1, 10, 22, 0)) == "2025-01-10T22:00:00+00:00"  # naive: UTC
    assert event_time(None, day_only=True) is None
