import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.phones import Phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("+44(0)7700-900-123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("0044 (0) 7700 900123", "+447700900123"),
        ("+447700900123", "+447700900123"),
        ("+44 07700 900123", "+447700900123"),
        ("447700900123", "+447700900123"),
        ("01785 123456", "+441785123456"),
        ("(01785) 123456", "+441785123456"),
        ("01785-123-456", "+441785123456"),
        ("01785.123.456", "+441785123456"),
        ("020 7946 0018", "+442079460018"),
        ("0300 123 1212", "+443001231212"),
        ("0800 123 456", "+44800123456"),
        ("016977 2345", "+44169772345"),
        (" 0121 496 0000 ", "+441214960000"),
    ],
)
def test_phone_clean(raw: str, expected: str) -> None:
    assert Phone.clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("0770 090012", "has 10 digits"),
        ("077009001234", "has 12 digits"),
        ("+44 7700 90012", "has 10 digits"),
        ("123456", "include the area code"),
        ("999", "include the area code"),
        ("+33 1 23 45 67 89", "not a UK phone number"),
        ("001 202 555 0123", "not a UK phone number"),
        ("04700 900123", "UK numbers start"),
        ("06700 900123", "UK numbers start"),
        ("07700 900123 ext 4", "only digits"),
        ("07700 9OO123", "only digits"),
        ("07700+900123", "only digits"),
        ("tel: 07700 900123", "only digits"),
        ("０７７００ ９００１２３", "only digits"),
    ],
)
def test_phone_rejects(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        Phone.clean(raw)


mobiles = st.from_regex(r"7[0-9]{9}", fullmatch=True)


@given(mobiles, st.sampled_from(["0{}", "+44{}", "+44 (0){}", "0044{}", "44{}", "+44 0{}"]))
def test_every_written_form_gives_one_e164(national: str, form: str) -> None:
    spaced = f"{national[:4]} {national[4:]}"
    assert (
        Phone.clean(form.format(spaced)) == Phone.clean(form.format(national)) == f"+44{national}"
    )


@given(st.text())
def test_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        cleaned = Phone.clean(raw)
    except InvalidValue:
        return
    assert Phone.clean(cleaned) == cleaned
    assert cleaned.startswith("+44")


@given(st.text(alphabet="0123456789 +()-", max_size=18))
def test_phone_like_text_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        cleaned = Phone.clean(raw)
    except InvalidValue:
        return
    assert Phone.clean(cleaned) == cleaned
    assert cleaned[1:].isdigit()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 9001", "+4477009001"),
        ("+44 (0)7700 90012", "+44770090012"),
        ("0044 7700 9001", "+4477009001"),
    ],
)
def test_the_start_of_a_number(raw: str, expected: str) -> None:
    assert Phone.start(raw, 8) == expected


@pytest.mark.parametrize("raw", ["07700 900", "07700 900123", "0600 12345", "7700 9001", "ab"])
def test_a_start_too_short_whole_or_not_uk_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue):
        Phone.start(raw, 8)
