"""Normalising recorded gender to the four codes our records use.

Sources write `M`, `Male`, `male.` or `MALE`; matching and search need one code. The codes
follow common police practice: M and F, X where a person is recorded as neither, and U where
the source says it is not known (which is different from not recorded at all: an empty field).
"""

from __future__ import annotations

from typing import Literal

from polestar.errors import InvalidValue

GenderCode = Literal["M", "F", "X", "U"]

_CODES: dict[str, GenderCode] = {
    "m": "M",
    "male": "M",
    "man": "M",
    "f": "F",
    "female": "F",
    "woman": "F",
    "x": "X",
    "indeterminate": "X",
    "non-binary": "X",
    "nonbinary": "X",
    "other": "X",
    "u": "U",
    "unknown": "U",
    "not known": "U",
}


class Gender:
    """A recorded gender: `M`, `F`, `X` (neither) or `U` (recorded as unknown)."""

    @classmethod
    def clean(cls, raw: str) -> GenderCode:
        """Return the gender code for any case of a code or word such as `female` or `U`.

        Raises:
            InvalidValue: If `raw` is not a gender code or word we know.
        """
        key = " ".join(raw.split()).rstrip(".").casefold()
        if not key:
            raise InvalidValue("gender is empty")
        try:
            return _CODES[key]
        except KeyError:
            raise InvalidValue(
                f"{raw!r} is not a gender we record: expected M, F, X or U "
                "(or male, female, unknown)"
            ) from None
