"""Normalising UK postcodes, and the outward code and sector that group addresses by area;
and keeping other countries' postal codes comparable.

Postcodes arrive in any case and with any spacing (`st16 2dj`, `ST162DJ`). The inward code
is always the last three characters, so the space can be put back without guessing.
"""

from __future__ import annotations

import re

from polestar.errors import InvalidValue

# The Royal Mail pattern as published in the UK Government Data Standards Catalogue: letters
# that never appear in a given position are excluded, so `QA1 1AA` or `AB1 1CI` fail.
_OUTWARD = re.compile(
    r"""
    [A-PR-UWYZ]                     # area, first letter: not Q, V, X
    (?:
        [0-9][0-9]?                 # A9, A99
      | [A-HK-Y][0-9][0-9]?         # AA9, AA99 (second letter: not I, J, Z)
      | [0-9][A-HJKPSTUW]           # A9A
      | [A-HK-Y][0-9][ABEHMNPRV-Y]  # AA9A
    )
    """,
    re.VERBOSE | re.ASCII,
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O, V
_INWARD = re.compile(f"[0-9][{_INWARD_LETTERS}]{{2}}", re.ASCII)
_INWARD_START = re.compile(f"[0-9][{_INWARD_LETTERS}]{{0,2}}", re.ASCII)
# Girobank's postcode predates the pattern and is still valid.
_GIROBANK = "GIR0AA"
_POSTAL_CODE = re.compile(r"[A-Z0-9]+(?: [A-Z0-9]+)*", re.ASCII)


class Postcode:
    """A UK postcode, canonical in capitals with one space before the inward code: `ST16 2DJ`."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the canonical postcode.

        Raises:
            InvalidValue: If `raw` is not a complete UK postcode.
        """
        compact = "".join(raw.split()).upper()
        if not compact:
            raise InvalidValue("postcode is empty")
        outward_code, inward_code = compact[:-3], compact[-3:]
        if compact != _GIROBANK and not (
            _OUTWARD.fullmatch(outward_code) and _INWARD.fullmatch(inward_code)
        ):
            raise InvalidValue(
                f"{raw!r} is not a UK postcode: expected an outward and inward code, like ST16 2DJ"
            )
        return f"{outward_code} {inward_code}"


class ForeignPostcode:
    """Another country's postal code, in capitals, its parts parted by one space (`K1A 0B1`,
    `2119`; Poland's `00-950` as `00 950`, since sources write it either way): comparable
    however it was typed, not checked against that country's rules."""

    WIDTH = 8  # what the store holds

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the postal code in capitals, spaces and hyphens between its parts as one space.

        Raises:
            InvalidValue: If `raw` has no digit, holds other than letters, digits, spaces and
                hyphens, or is longer than the store holds.
        """
        text = " ".join(raw.replace("-", " ").split())
        if not any(ch.isdigit() for ch in text):
            raise InvalidValue(f"{raw!r} is not a postal code: it has no digit")
        # Checked before upper-casing, which would turn `ß` into `SS`.
        if not (text.isascii() and _POSTAL_CODE.fullmatch(text.upper())):
            raise InvalidValue(
                f"{raw!r} is not a postal code: only letters, digits, spaces and hyphens"
            )
        if len(text) > cls.WIDTH:
            raise InvalidValue(f"{raw!r} is longer than the {cls.WIDTH} characters stored")
        return text.upper()


def typed_parts(text: str) -> tuple[str, str] | None:
    """A postcode's outward code and the start of its inward code, when `text` is typed as
    one — `ST16` (a district), `ST1 6` (a sector of ST1), `st16 2d` — else None. Without its
    space `ST1 6` reads as `ST16`, another district."""
    words = text.upper().split()
    if not 1 <= len(words) <= 2 or not _OUTWARD.fullmatch(words[0]):
        return None
    inward = words[1] if len(words) == 2 else ""
    if inward and not _INWARD_START.fullmatch(inward):
        return None
    return words[0], inward


# How an inward code can start: its sector digit and first letter (`2D` of `2DJ`).
INWARD_STARTS = tuple(f"{digit}{letter}" for digit in "0123456789" for letter in _INWARD_LETTERS)


def outward(pc: str) -> str:
    """Return the outward code (postcode district) of a postcode: `ST16 2DJ` → `ST16`.

    Raises:
        InvalidValue: If `pc` is not a UK postcode.
    """
    return Postcode.clean(pc).split(" ")[0]


def sector(pc: str) -> str:
    """Return the postcode sector, the outward code and the inward digit: `ST16 2DJ` → `ST16 2`.

    Sectors hold a few thousand addresses: coarse enough to share, fine enough to map.

    Raises:
        InvalidValue: If `pc` is not a UK postcode.
    """
    return Postcode.clean(pc)[:-2]
