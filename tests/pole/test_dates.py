import contextlib
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.dates import EARLIEST, DateValue

UK = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %b %Y")


@pytest.mark.parametrize(
    ("raw", "formats", "expected"),
    [
        ("1980-02-29", ("%Y-%m-%d",), date(1980, 2, 29)),
        ("  1980-02-29 ", ("%Y-%m-%d",), date(1980, 2, 29)),
        ("1980-2-9", ("%Y-%m-%d",), date(1980, 2, 9)),
        ("29/02/1980", UK, date(1980, 2, 29)),
        ("1980-02-29", UK, date(1980, 2, 29)),
        ("3 Mar 1975", UK, date(1975, 3, 3)),
        ("01/02/65", ("%d/%m/%y",), date(1965, 2, 1)),
        ("01/02/99", ("%d/%m/%y",), date(1999, 2, 1)),
        ("01/02/05", ("%d/%m/%y",), date(2005, 2, 1)),
        ("1880-01-01", ("%Y-%m-%d",), date(1880, 1, 1)),
    ],
)
def test_date_clean(raw: str, formats: tuple[str, ...], expected: date) -> None:
    assert DateValue.clean(raw, formats) == expected


def test_two_digit_year_in_the_future_is_last_century() -> None:
    next_year = date.today().year + 1
    assert DateValue.clean(f"01/01/{next_year % 100:02d}", ("%d/%m/%y",)).year == next_year - 100


def test_today_is_allowed() -> None:
    today = date.today()
    assert DateValue.clean(today.isoformat()) == today


@pytest.mark.parametrize("raw", ["31/02/1980", "29/02/1981", "31/04/2001"])
def test_impossible_date_says_it_is_not_real(raw: str) -> None:
    with pytest.raises(InvalidValue, match=f"{raw!r} is not a real date"):
        DateValue.clean(raw, UK)


def test_tomorrow_is_in_the_future() -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidValue, match="is in the future"):
        DateValue.clean(tomorrow)


@pytest.mark.parametrize("raw", ["1879-12-31", "0001-01-01", "1066-10-14"])
def test_before_1880_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue, match="before 1880"):
        DateValue.clean(raw)


@pytest.mark.parametrize("raw", ["", "  \t"])
def test_empty_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue, match="empty"):
        DateValue.clean(raw)


@pytest.mark.parametrize("raw", ["yesterday", "1980/02/29", "29-02-1980", "1980-02-29x"])
def test_wrong_layout_names_an_example(raw: str) -> None:
    with pytest.raises(InvalidValue, match="expected format, such as 1987-06-25"):
        DateValue.clean(raw)


@given(st.dates(min_value=EARLIEST, max_value=date.today()), st.sampled_from(UK[:1] + UK[2:]))
def test_round_trip_through_any_four_digit_format(value: date, fmt: str) -> None:
    assert DateValue.clean(value.strftime(fmt), UK) == value


@given(st.dates(min_value=EARLIEST, max_value=date.today()))
def test_idempotent_on_iso_text(value: date) -> None:
    cleaned = DateValue.clean(value.isoformat())
    assert DateValue.clean(cleaned.isoformat()) == cleaned == value


@given(st.text())
def test_only_raises_invalid_value(raw: str) -> None:
    with contextlib.suppress(InvalidValue):
        DateValue.clean(raw, UK)
