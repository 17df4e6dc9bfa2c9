import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.vrms import ForeignVrm, Vrm, display


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB12CDE", "AB12CDE"),
        ("ab12 cde", "AB12CDE"),
        (" AB-12-CDE ", "AB12CDE"),
        ("a.b.1.2.c.d.e", "AB12CDE"),
        ("A123 BCD", "A123BCD"),
        ("A1 BCD", "A1BCD"),
        ("ABC 123D", "ABC123D"),
        ("ABC 1D", "ABC1D"),
        ("ABC 1234", "ABC1234"),
        ("1234 AB", "1234AB"),
        ("A 1", "A1"),
        ("1 a", "1A"),
    ],
)
def test_vrm_clean(raw: str, expected: str) -> None:
    assert Vrm.clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        (" - . ", "empty"),
        ("ABCDEFG", "not a VRM"),
        ("1234567", "not a VRM"),
        ("AB12CDEF", "more than 7"),
        ("AB12_CDE", "not a VRM"),
        ("AB12 CDÉ", "only A–Z and 0–9"),
        ("ß1", "only A–Z and 0–9"),
        ("AB1C2DE", "not a VRM"),
        ("ABCD 123", "not a VRM"),
        ("12345 A", "not a VRM"),
    ],
)
def test_vrm_rejects(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        Vrm.clean(raw)


@pytest.mark.parametrize(
    ("vrm", "expected"),
    [
        ("AB12CDE", "AB12 CDE"),
        ("ab12cde", "AB12 CDE"),
        ("A123BCD", "A123BCD"),
        ("ABC123D", "ABC123D"),
        ("ABC1234", "ABC1234"),
        ("WI 12345", "WI 12345"),  # a Polish plate a mapping kept as text: shown as stored
    ],
)
def test_display(vrm: str, expected: str) -> None:
    assert display(vrm) == expected


current_vrms = st.from_regex(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", fullmatch=True)


@given(current_vrms, st.sampled_from([" ", "-", ".", ""]))
def test_current_format_round_trips_through_display(vrm: str, separator: str) -> None:
    shown = display(vrm)
    assert Vrm.clean(shown) == vrm
    assert Vrm.clean(shown.replace(" ", separator).lower()) == vrm


@given(st.text())
def test_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        cleaned = Vrm.clean(raw)
    except InvalidValue:
        return
    assert Vrm.clean(cleaned) == cleaned
    assert any(ch.isdigit() for ch in cleaned)
    assert any(ch.isalpha() for ch in cleaned)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("wi 12345", "WI12345"),
        ("B-AB 1234", "BAB1234"),
        ("AB.123.CD", "AB123CD"),
        ("AB12CDE", "AB12CDE"),
    ],
)
def test_foreign_vrm_clean(raw: str, expected: str) -> None:
    assert ForeignVrm.clean(raw) == expected


@pytest.mark.parametrize("raw", ["", " - ", "ÄB123", "AB_123", "123456789"])
def test_foreign_vrm_rejects(raw: str) -> None:
    with pytest.raises(InvalidValue):
        ForeignVrm.clean(raw)


@given(st.text())
def test_foreign_vrm_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        cleaned = ForeignVrm.clean(raw)
    except InvalidValue:
        return
    assert ForeignVrm.clean(cleaned) == cleaned
    assert cleaned.isascii()
    assert len(cleaned) <= ForeignVrm.WIDTH
