"""Normalising vehicle registration marks (number plates) of Great Britain, and keeping other
countries' comparable.

Plates are typed with and without spaces, hyphens and dots; the compact upper-case form is
what ANPR and the DVLA use, so that is what we store and compare. Spacing is for display only.
"""

from __future__ import annotations

import re

from polestar.errors import InvalidValue

# The formats DVLA has issued; cherished marks follow the same shapes.
_CURRENT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{3}", re.ASCII)  # AB12 CDE, since 2001
_FORMATS = (
    _CURRENT,
    re.compile(r"[A-Z][0-9]{1,3}[A-Z]{3}", re.ASCII),  # prefix, A123 BCD, 1983–2001
    re.compile(r"[A-Z]{3}[0-9]{1,3}[A-Z]", re.ASCII),  # suffix, ABC 123D, 1963–1983
    re.compile(r"[A-Z]{1,3}[0-9]{1,4}", re.ASCII),  # dateless, ABC 1234 (also NI)
    re.compile(r"[0-9]{1,4}[A-Z]{1,3}", re.ASCII),  # dateless, 1234 AB
)
_SEPARATORS = re.compile(r"[\s.\-]+")


class Vrm:
    """A vehicle registration mark, canonical compact and upper case: `AB12CDE`."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the compact VRM, without spaces, hyphens or dots.

        Raises:
            InvalidValue: If `raw` is not in a current, prefix, suffix or dateless format.
        """
        compact = _SEPARATORS.sub("", raw)
        if not compact:
            raise InvalidValue("VRM is empty")
        # Checked before upper-casing, which would turn `ß` into `SS` and `ı` into `I`.
        if not compact.isascii():
            raise InvalidValue(f"{raw!r} is not a VRM: plates carry only A–Z and 0–9")
        compact = compact.upper()
        if len(compact) > 7:
            raise InvalidValue(f"{raw!r} is not a VRM: it has more than 7 letters and digits")
        if not any(pattern.fullmatch(compact) for pattern in _FORMATS):
            raise InvalidValue(
                f"{raw!r} is not a VRM: expected letters and digits in a GB format, like AB12 CDE"
            )
        return compact


class ForeignVrm:
    """Another country's number plate, compact and upper case as GB ones are (`WI12345`):
    comparable however it was spaced, not checked against that country's formats."""

    WIDTH = 8  # what the store holds

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the compact plate.

        Raises:
            InvalidValue: If `raw` holds other than ASCII letters and digits (once spaces,
                hyphens and dots are dropped), or more of them than the store holds.
        """
        compact = _SEPARATORS.sub("", raw)
        if not compact:
            raise InvalidValue("plate is empty")
        if not (compact.isascii() and compact.isalnum()):
            raise InvalidValue(f"{raw!r} is not a plate: plates carry only A–Z and 0–9")
        if len(compact) > cls.WIDTH:
            raise InvalidValue(f"{raw!r} has more than the {cls.WIDTH} letters and digits stored")
        return compact.upper()


def display(vrm: str) -> str:
    """Return a VRM spaced as printed on the plate if in the current format: `AB12 CDE`.

    Other GB formats are returned compact, as their spacing varies from plate to plate; a mark
    in none (another country's, `ForeignVrm`, or a mapping's `type: text`) as it is.
    """
    try:
        compact = Vrm.clean(vrm)
    except InvalidValue:
        return vrm
    if _CURRENT.fullmatch(compact):
        return f"{compact[:4]} {compact[4:]}"
    return compact
