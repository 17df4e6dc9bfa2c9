"""Normalising UK telephone numbers to E.164 (`+447700900123`).

People write the same number as `07700 900123`, `+44 (0)7700 900123` or `0044 7700 900123`;
E.164 is the one form in which the same phone always compares equal.
"""

from __future__ import annotations

import re

from polestar.errors import InvalidValue

# Characters people put between digits; anything else (letters, `ext`) is not a plain number.
_PUNCTUATION = re.compile(r"[\s\-.()/]+")
_ALLOWED = re.compile(r"\+?[0-9\s\-.()/]+", re.ASCII)
# `+44 (0)…`: the bracketed trunk zero is dialled only from inside the UK.
_TRUNK_ZERO = re.compile(r"^(\+\s*44|00\s*44)[\s\-.]*\(\s*0\s*\)")
# First digits of the national number (after the 0) that Ofcom allocates: 1 and 2 geographic,
# 3 non-geographic, 5 corporate, 7 mobile, 8 freephone and special rate, 9 premium rate.
_FIRST_DIGITS = frozenset("1235789")
_NATIONAL_LENGTH = 10
# A few national numbers are 9 digits long: some 01 areas (016977 2345) and old 0500 / 0800.
_NINE_DIGIT_PREFIXES = ("1", "500", "800")


class Phone:
    """A UK telephone number, canonical in E.164: `+44` and the national number without its 0."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the number in E.164.

        Raises:
            InvalidValue: If `raw` holds anything but digits and the usual punctuation, is not a
                UK number, or has the wrong number of digits.
        """
        national = _national(raw)
        _check_national(raw, national)
        return f"+44{national}"

    @classmethod
    def start(cls, raw: str, shortest: int) -> str:
        """Return the start of a number in E.164, typed as a whole number is but with
        `shortest` digits or more of the national number, not all (`07700 9001` →
        +4477009001): a number half remembered or half read.

        Raises:
            InvalidValue: If `raw` is not written as a UK number is, or holds too few digits or
                all of them.
        """
        national = _national(raw)
        if not (shortest <= len(national) < _NATIONAL_LENGTH and national[0] in _FIRST_DIGITS):
            raise InvalidValue(
                f"{raw!r} is not the start of a UK phone number of {shortest} digits or more"
            )
        return f"+44{national}"


def _national(raw: str) -> str:
    """The national number (without its 0) of a UK number as people write it."""
    text = raw.strip()
    if not text:
        raise InvalidValue("phone number is empty")
    if not _ALLOWED.fullmatch(text):
        raise InvalidValue(
            f"{raw!r} is not a phone number: only digits, spaces and a leading + are expected"
        )
    text = _TRUNK_ZERO.sub(r"\1", text)
    digits = _PUNCTUATION.sub("", text).lstrip("+")
    if text.startswith("+"):
        return _uk_national(raw, digits)
    if digits.startswith("00"):
        return _uk_national(raw, digits[2:])
    if digits.startswith("0"):
        return digits[1:]
    if digits.startswith("44") and len(digits) in (11, 12):
        return _uk_national(raw, digits)  # international form with its + lost
    raise InvalidValue(f"{raw!r} is not a complete phone number: include the area code or +44")


def _uk_national(raw: str, international: str) -> str:
    if not international.startswith("44"):
        raise InvalidValue(f"{raw!r} is not a UK phone number: only +44 numbers are held")
    national = international[2:]
    # `+44 07700…` is wrong but common: the trunk zero kept after the country code.
    return national[1:] if national.startswith("0") else national


def _check_national(raw: str, national: str) -> None:
    if not national or national[0] not in _FIRST_DIGITS:
        raise InvalidValue(
            f"{raw!r} is not a UK phone number: UK numbers start 01, 02, 03, 05, 07, 08 or 09"
        )
    if len(national) == _NATIONAL_LENGTH or (
        len(national) == _NATIONAL_LENGTH - 1 and national.startswith(_NINE_DIGIT_PREFIXES)
    ):
        return
    raise InvalidValue(
        f"{raw!r} has {len(national) + 1} digits including the leading 0: "
        "UK numbers have 11, so a digit is missing or extra"
    )
