import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.genders import Gender


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "M"),
        ("m", "M"),
        ("Male", "M"),
        ("MALE", "M"),
        (" male. ", "M"),
        ("F", "F"),
        ("female", "F"),
        ("Female", "F"),
        ("X", "X"),
        ("x", "X"),
        ("Indeterminate", "X"),
        ("U", "U"),
        ("unknown", "U"),
        ("UNKNOWN", "U"),
        ("Not  known", "U"),
    ],
)
def test_gender_clean(raw: str, expected: str) -> None:
    assert Gender.clean(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [("", "empty"), ("  ", "empty"), (".", "empty")])
def test_gender_rejects_empty(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        Gender.clean(raw)


@pytest.mark.parametrize("raw", ["MF", "1", "femail", "boy", "N/A"])
def test_gender_rejects_unknown_words(raw: str) -> None:
    with pytest.raises(InvalidValue, match="is not a gender we record"):
        Gender.clean(raw)


@given(st.text())
def test_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        code = Gender.clean(raw)
    except InvalidValue:
        return
    assert code in {"M", "F", "X", "U"}
    assert Gender.clean(code) == code
