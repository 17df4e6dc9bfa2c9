from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.postcodes import ForeignPostcode, Postcode, outward, sector


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ST16 2DJ", "ST16 2DJ"),
        ("st16 2dj", "ST16 2DJ"),
        ("ST162DJ", "ST16 2DJ"),
        ("  st 16  2dj ", "ST16 2DJ"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("B77 1AA", "B77 1AA"),
        ("DE13 0AB", "DE13 0AB"),
        ("WS11 1DB", "WS11 1DB"),
        ("CR2 6XH", "CR2 6XH"),
    ],
)
def test_postcode_clean(raw: str, expected: str) -> None:
    assert Postcode.clean(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "75008",
        "SW1A",
        "ST16",
        "ST16 2D",
        "ST16 2DJX",
        "ST16-2DJ",
        "QA1 1AA",  # Q never starts a postcode
        "AJ1 1AA",  # J is never the second letter
        "ST16 2CI",  # C and I never appear in the inward code
        "ST16 DJ2",
        "12345 1AA",
        "SW1A 1AA1",
        "ＳＴ16 2DJ",
    ],
)
def test_postcode_rejects_what_is_not_a_uk_postcode(raw: str) -> None:
    with pytest.raises(InvalidValue, match="is not a UK postcode"):
        Postcode.clean(raw)


@pytest.mark.parametrize("raw", ["", "  \t"])
def test_postcode_rejects_empty(raw: str) -> None:
    with pytest.raises(InvalidValue, match="empty"):
        Postcode.clean(raw)


@pytest.mark.parametrize(
    ("pc", "district", "postcode_sector"),
    [
        ("ST16 2DJ", "ST16", "ST16 2"),
        ("st162dj", "ST16", "ST16 2"),
        ("EC1A 1BB", "EC1A", "EC1A 1"),
        ("B77 1AA", "B77", "B77 1"),
        ("M1 1AE", "M1", "M1 1"),
        ("GIR 0AA", "GIR", "GIR 0"),
    ],
)
def test_outward_and_sector(pc: str, district: str, postcode_sector: str) -> None:
    assert outward(pc) == district
    assert sector(pc) == postcode_sector


def test_outward_rejects_non_postcode() -> None:
    with pytest.raises(InvalidValue):
        outward("75008")


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
postcode_like = st.builds(
    "{}{}{} {}{}".format,
    st.text(LETTERS, min_size=1, max_size=2),
    st.integers(0, 99),
    st.text(LETTERS, max_size=1),
    st.integers(0, 9),
    st.text(LETTERS, min_size=2, max_size=2),
)


@given(postcode_like, st.sampled_from([str.lower, str.upper, lambda s: s.replace(" ", "")]))
def test_idempotent_and_spacing_does_not_matter(raw: str, transform: Callable[[str], str]) -> None:
    try:
        cleaned = Postcode.clean(raw)
    except InvalidValue:
        return
    assert Postcode.clean(cleaned) == cleaned
    assert Postcode.clean(transform(raw)) == cleaned
    assert cleaned.startswith(outward(cleaned) + " ")
    assert sector(cleaned) == cleaned[:-2]


@given(st.text())
def test_only_raises_invalid_value(raw: str) -> None:
    try:
        cleaned = Postcode.clean(raw)
    except InvalidValue:
        return
    assert Postcode.clean(cleaned) == cleaned


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2119", "2119"),
        (" k1a  0b1 ", "K1A 0B1"),
        ("00-950", "00 950"),
        ("00 - 950", "00 950"),
        ("1012 ab", "1012 AB"),
    ],
)
def test_foreign_postcode_clean(raw: str, expected: str) -> None:
    assert ForeignPostcode.clean(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "PARIS", "75008 PARIS CEDEX", "12345-6789", "12;34", "１２３4"]
)
def test_foreign_postcode_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue):
        ForeignPostcode.clean(raw)


@given(st.text())
def test_foreign_postcode_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        cleaned = ForeignPostcode.clean(raw)
    except InvalidValue:
        return
    assert ForeignPostcode.clean(cleaned) == cleaned
    assert cleaned.isascii()
    assert len(cleaned) <= ForeignPostcode.WIDTH
