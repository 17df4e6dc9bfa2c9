"""Normalising UK postcodes, and the outward code and sector that group addresses by area.

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
_INWARD = re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}", re.ASCII)  # never C, I, K, M, O, V
# Girobank's postcode predates the pattern and is still valid.
_GIROBANK = "GIR0AA"


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
