from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.identifiers import (
    PNC_CHECK_ALPHABET,
    CroNumber,
    NiNumber,
    PncId,
    ProbationCrn,
    Uprn,
    cro_check_letter,
    person_references,
    pnc_check_letter,
)

THIS_YEAR = date.today().year
NORMALISERS = [PncId.clean, CroNumber.clean, NiNumber.clean, ProbationCrn.clean, Uprn.clean]


def test_check_alphabet_has_23_letters_without_i_o_s() -> None:
    assert len(PNC_CHECK_ALPHABET) == 23
    assert not set("IOS") & set(PNC_CHECK_ALPHABET)


def test_pnc_check_letter_uses_two_digit_year_then_serial_mod_23() -> None:
    assert pnc_check_letter(2009, 123456) == PNC_CHECK_ALPHABET[90123456 % 23]
    assert pnc_check_letter(1909, 123456) == pnc_check_letter(2009, 123456)


def test_cro_check_letter_uses_two_digit_year_then_serial_mod_23() -> None:
    assert cro_check_letter(123456, 9) == PNC_CHECK_ALPHABET[9123456 % 23]
    assert cro_check_letter(123456, 2009) == cro_check_letter(123456, 9)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2009/0123456C", "2009/0123456C"),
        ("2009/123456C", "2009/0123456C"),
        ("09/0123456c", "2009/0123456C"),
        (" 09 / 0123456 C ", "2009/0123456C"),
        ("99/0000001" + pnc_check_letter(99, 1), "1999/0000001" + pnc_check_letter(99, 1)),
        (
            "1985/7654321" + pnc_check_letter(85, 7654321),
            "1985/7654321" + pnc_check_letter(85, 7654321),
        ),
    ],
)
def test_pnc_id_canonical_form(raw: str, expected: str) -> None:
    assert PncId.clean(raw) == expected


def test_pnc_id_two_digit_year_up_to_this_year_is_this_century() -> None:
    yy = THIS_YEAR % 100
    raw = f"{yy:02d}/1234567{pnc_check_letter(yy, 1234567)}"
    assert PncId.clean(raw).startswith(f"{THIS_YEAR}/")


def test_pnc_id_wrong_check_letter_names_the_right_one() -> None:
    with pytest.raises(InvalidValue, match="check letter should be C"):
        PncId.clean("2009/0123456K")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "2009-0123456C",
        "2009/01234567C",
        "209/0123456C",
        "2009/0123456",
        "2009/0123456?",
        f"{THIS_YEAR + 1}/0000001{pnc_check_letter(THIS_YEAR + 1, 1)}",
        "٢٠٠٩/0123456C",
    ],
)
def test_pnc_id_rejects_malformed(raw: str) -> None:
    with pytest.raises(InvalidValue):
        PncId.clean(raw)


@st.composite
def pnc_ids(draw: st.DrawFn) -> str:
    year = draw(st.integers(1900, THIS_YEAR))
    serial = draw(st.integers(0, 9_999_999))
    return f"{year}/{serial:07d}{pnc_check_letter(year, serial)}"


@given(pnc_ids())
def test_generated_pnc_ids_validate_and_are_canonical(pnc: str) -> None:
    assert PncId.clean(pnc) == pnc
    assert PncId.clean(pnc.lower()) == pnc


@given(pnc_ids(), st.integers(0, 6), st.integers(1, 9))
def test_any_single_digit_change_in_the_serial_fails_the_check(
    pnc: str, position: int, delta: int
) -> None:
    year, rest = pnc.split("/")
    serial, letter = rest[:7], rest[7]
    digits = list(serial)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    assert pnc_check_letter(int(year), int(changed)) != letter
    with pytest.raises(InvalidValue, match="check letter"):
        PncId.clean(f"{year}/{changed}{letter}")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456/09Z", "123456/09Z"),
        ("123456/09z", "123456/09Z"),
        (" 123456 / 09 Z", "123456/09Z"),
        ("1/85" + cro_check_letter(1, 85), "000001/85" + cro_check_letter(1, 85)),
    ],
)
def test_cro_number_canonical_form(raw: str, expected: str) -> None:
    assert CroNumber.clean(raw) == expected


@pytest.mark.parametrize("raw", ["", "123456/09K", "123456/2009Z", "1234567/09Z", "123456-09Z"])
def test_cro_number_rejects_malformed_or_wrong_check(raw: str) -> None:
    with pytest.raises(InvalidValue):
        CroNumber.clean(raw)


@given(st.integers(0, 999_999), st.integers(0, 99))
def test_generated_cro_numbers_validate(serial: int, year: int) -> None:
    cro = f"{serial:06d}/{year:02d}{cro_check_letter(serial, year)}"
    assert CroNumber.clean(cro) == cro


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("QQ123456C", "QQ123456C"),
        ("qq 12 34 56 c", "QQ123456C"),
        ("AB123456D", "AB123456D"),
        ("OA123456A", "OA123456A"),
    ],
)
def test_ni_number_canonical_form(raw: str, expected: str) -> None:
    assert NiNumber.clean(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "DA123456A",
        "AD123456A",
        "AO123456A",
        "QA123456A",
        "VA123456A",
        "BG123456A",
        "GB123456A",
        "NK123456A",
        "KN123456A",
        "NT123456A",
        "TN123456A",
        "ZZ123456A",
    ],
)
def test_ni_number_rejects_never_issued_prefixes(raw: str) -> None:
    with pytest.raises(InvalidValue, match="never issues"):
        NiNumber.clean(raw)


@pytest.mark.parametrize("raw", ["AB123456E", "AB12345C", "A1123456C", "AB123456"])
def test_ni_number_rejects_malformed(raw: str) -> None:
    with pytest.raises(InvalidValue, match="not a National Insurance number"):
        NiNumber.clean(raw)


@pytest.mark.parametrize(("raw", "expected"), [("X123456", "X123456"), (" x 123 456", "X123456")])
def test_probation_crn_canonical_form(raw: str, expected: str) -> None:
    assert ProbationCrn.clean(raw) == expected


@pytest.mark.parametrize("raw", ["", "123456", "XX123456", "X12345", "X1234567"])
def test_probation_crn_rejects_malformed(raw: str) -> None:
    with pytest.raises(InvalidValue):
        ProbationCrn.clean(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("100031644123", "100031644123"),
        ("000100031644", "100031644"),
        ("7", "7"),
        ("0000100031644123", "100031644123"),
    ],
)
def test_uprn_drops_leading_zeros(raw: str, expected: str) -> None:
    assert Uprn.clean(raw) == expected


@pytest.mark.parametrize("raw", ["", "0", "000", "1234567890123", "12a", "-5", "1.0"])
def test_uprn_rejects_malformed(raw: str) -> None:
    with pytest.raises(InvalidValue):
        Uprn.clean(raw)


@pytest.mark.parametrize("clean", NORMALISERS)
@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_empty_is_rejected(clean: Callable[[str], str], raw: str) -> None:
    with pytest.raises(InvalidValue, match="empty"):
        clean(raw)


@pytest.mark.parametrize("clean", NORMALISERS)
@given(raw=st.text())
def test_clean_raises_only_invalid_value_and_is_idempotent(
    clean: Callable[[str], str], raw: str
) -> None:
    try:
        cleaned = clean(raw)
    except InvalidValue:
        return
    assert clean(cleaned) == cleaned


# Spacing is insignificant by design, so whitespace is not a change worth detecting.
@given(pnc_ids(), st.integers(0, 6), st.characters().filter(lambda ch: not ch.isspace()))
def test_any_single_character_change_in_the_serial_fails_or_changes_the_id(
    pnc: str, position: int, replacement: str
) -> None:
    serial_start = pnc.index("/") + 1
    index = serial_start + position
    changed = pnc[:index] + replacement + pnc[index + 1 :]
    if changed == pnc:
        return
    try:
        cleaned = PncId.clean(changed)
    except InvalidValue:
        return
    assert cleaned != pnc


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        ("09/123456c", ["2009/0123456C"]),
        ("123456/09 z", [CroNumber.clean("123456/09Z")]),
        ("qq 12 34 56 c", ["QQ123456C"]),
        ("x123456", ["X123456"]),
        ("smith", []),
        ("AB12 CDE", []),  # a plate
        ("07700 900123", []),
    ],
)
def test_person_references_reads_a_number_whole(raw: str, found: list[str]) -> None:
    assert person_references(raw) == found


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2009/0123456D", "not a valid PNC ID: check letter should be C"),
        ("DF123456A", "not a National Insurance number: HMRC never issues the prefix DF"),
    ],
)
def test_person_references_says_what_is_wrong_without_the_number(raw: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        person_references(raw)
    assert str(raised.value).startswith(reason)
    assert raw not in str(raised.value)
