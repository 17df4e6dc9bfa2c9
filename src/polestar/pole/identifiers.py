"""Normalisers for the reference numbers source systems attach to people and places.

Each class turns what a source system typed into one canonical string, so that the same
PNC ID, CRO number, NI number, probation CRN or UPRN compares equal wherever it came from.
Check letters are verified: a transcription slip found here is cheaper than a false link later.
"""

from __future__ import annotations

import re
from datetime import date

from polestar.errors import InvalidValue

# The PNC and CRO check-letter alphabet: 23 letters, without I, O and S (too easily misread).
PNC_CHECK_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"

_WHITESPACE = re.compile(r"\s+")
_PNC = re.compile(r"(?P<year>\d{2}|\d{4})/(?P<serial>\d{1,7})(?P<check>[A-Z])", re.ASCII)
_CRO = re.compile(r"(?P<serial>\d{1,6})/(?P<year>\d{2})(?P<check>[A-Z])", re.ASCII)
_NINO = re.compile(r"(?P<prefix>[A-Z]{2})\d{6}[A-D]", re.ASCII)
_CRN = re.compile(r"[A-Z]\d{6}", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)

# HMRC's rules for prefixes never issued (National Insurance Manual NIM39110).
_NINO_BAD_FIRST = frozenset("DFIQUV")
_NINO_BAD_SECOND = frozenset("DFIOQUV")
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
# QQ breaks the rules above (Q is never issued) but is the prefix HMRC publishes for examples,
# and our synthetic and test data use it (REFERENCE.md); rejecting it would reject every fixture.
_NINO_ALLOWED_PREFIXES = frozenset({"QQ"})


def pnc_check_letter(year: int, serial: int) -> str:
    """Return the check letter of PNC ID `year/serial`.

    Args:
        year: The year of the ID; only its last two digits count.
        serial: The serial number, 0 to 9,999,999.

    Returns:
        One letter of `PNC_CHECK_ALPHABET`.

    Example:
        >>> pnc_check_letter(2009, 123456)
        'C'
    """
    return PNC_CHECK_ALPHABET[((year % 100) * 10_000_000 + serial) % 23]


def cro_check_letter(serial: int, year: int) -> str:
    """Return the check letter of CRO number `serial/year`.

    Args:
        serial: The serial number, 0 to 999,999.
        year: The year of the number; only its last two digits count.

    Returns:
        One letter of `PNC_CHECK_ALPHABET`.
    """
    return PNC_CHECK_ALPHABET[((year % 100) * 1_000_000 + serial) % 23]


def _compact(raw: str) -> str:
    """Uppercase with all whitespace removed: the spacing of reference numbers means nothing."""
    return _WHITESPACE.sub("", raw).upper()


def _require(raw: str, what: str) -> str:
    compact = _compact(raw)
    if not compact:
        raise InvalidValue(f"{what} is empty")
    return compact


def _full_year(two_digits: int) -> int:
    """Read a 2-digit year as the most recent year it can be, never one in the future."""
    this_year = date.today().year
    return (2000 if two_digits <= this_year % 100 else 1900) + two_digits


class PncId:
    """A Police National Computer ID, canonical `YYYY/NNNNNNNL` (`2009/0123456C`)."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the canonical PNC ID, accepting 2-digit years, short serials and spaces.

        Raises:
            InvalidValue: If `raw` is not a PNC ID or its check letter is wrong.
        """
        compact = _require(raw, "PNC ID")
        match = _PNC.fullmatch(compact)
        if match is None:
            raise InvalidValue(
                f"{raw!r} is not a PNC ID: expected year/serial and check letter, "
                "like 2009/0123456C"
            )
        year_text, serial = match["year"], int(match["serial"])
        year = _full_year(int(year_text)) if len(year_text) == 2 else int(year_text)
        if year > date.today().year:
            raise InvalidValue(f"{raw!r} is not a PNC ID: its year {year} is in the future")
        expected = pnc_check_letter(year, serial)
        if match["check"] != expected:
            raise InvalidValue(
                f"{raw!r} is not a valid PNC ID: check letter should be {expected}, "
                "so a digit or the letter was probably mistyped"
            )
        return f"{year:04d}/{serial:07d}{expected}"


class CroNumber:
    """A Criminal Records Office number, canonical `NNNNNN/YYL` (`123456/09Z`)."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the canonical CRO number, accepting short serials, spaces and lower case.

        Raises:
            InvalidValue: If `raw` is not a CRO number or its check letter is wrong.
        """
        compact = _require(raw, "CRO number")
        match = _CRO.fullmatch(compact)
        if match is None:
            raise InvalidValue(
                f"{raw!r} is not a CRO number: expected serial/2-digit year and check letter, "
                "like 123456/09Z"
            )
        serial, year = int(match["serial"]), int(match["year"])
        expected = cro_check_letter(serial, year)
        if match["check"] != expected:
            raise InvalidValue(
                f"{raw!r} is not a valid CRO number: check letter should be {expected}, "
                "so a digit or the letter was probably mistyped"
            )
        return f"{serial:06d}/{year:02d}{expected}"


class NiNumber:
    """A National Insurance number, canonical `QQ123456C`: no spaces, upper case."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the canonical NI number, rejecting prefixes HMRC never issues (except QQ).

        Raises:
            InvalidValue: If `raw` is not an NI number or has a never-issued prefix.
        """
        compact = _require(raw, "National Insurance number")
        match = _NINO.fullmatch(compact)
        if match is None:
            raise InvalidValue(
                f"{raw!r} is not a National Insurance number: expected 2 letters, 6 digits "
                "and A, B, C or D, like QQ123456C"
            )
        prefix = match["prefix"]
        if prefix not in _NINO_ALLOWED_PREFIXES and (
            prefix[0] in _NINO_BAD_FIRST
            or prefix[1] in _NINO_BAD_SECOND
            or prefix in _NINO_BAD_PREFIXES
        ):
            raise InvalidValue(
                f"{raw!r} is not a National Insurance number: HMRC never issues the prefix {prefix}"
            )
        return compact


class ProbationCrn:
    """A Probation Service case reference number, canonical `X123456`."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the canonical CRN: one letter then six digits, upper case.

        Raises:
            InvalidValue: If `raw` is not a CRN.
        """
        compact = _require(raw, "probation CRN")
        if _CRN.fullmatch(compact) is None:
            raise InvalidValue(
                f"{raw!r} is not a probation CRN: expected 1 letter and 6 digits, like X123456"
            )
        return compact


class Uprn:
    """A Unique Property Reference Number, canonical as digits without leading zeros."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the canonical UPRN; leading zeros are dropped as some exports pad to 12.

        Raises:
            InvalidValue: If `raw` is not digits, is zero, or has more than 12 significant digits.
        """
        compact = _require(raw, "UPRN")
        if _DIGITS.fullmatch(compact) is None:
            raise InvalidValue(f"{raw!r} is not a UPRN: expected 1 to 12 digits")
        significant = compact.lstrip("0")
        if not significant:
            raise InvalidValue(f"{raw!r} is not a UPRN: UPRNs start at 1")
        if len(significant) > 12:
            raise InvalidValue(f"{raw!r} is not a UPRN: it has more than 12 digits")
        return significant


# The fields of a person row holding reference numbers, each stored canonical.
PERSON_REFERENCES = ("pnc_id", "cro_number", "ni_number", "crn")


def person_references(raw: str) -> list[str]:
    """The canonical reference numbers `raw` is, whole: a PNC ID, CRO number, NI number or
    probation CRN (`12/34K` has the shape of the first two); none when it has no such shape.

    Raises:
        InvalidValue: If it has a shape but not its check letter (or an NI number's prefix
            HMRC never issues): a slip to say, not a search for nothing. The message leaves
            the number out (`not a valid PNC ID: check letter should be D, …`): search text
            reaches no log.
    """
    compact = _compact(raw)
    found: list[str] = []
    failed = None
    for shape, clean in (
        (_PNC, PncId.clean),
        (_CRO, CroNumber.clean),
        (_NINO, NiNumber.clean),
        (_CRN, ProbationCrn.clean),
    ):
        if shape.fullmatch(compact):
            try:
                found.append(clean(compact))
            except InvalidValue as exc:
                failed = failed or exc
    if failed is not None and not found:
        raise InvalidValue(str(failed).removeprefix(f"{compact!r} is "))
    return found
