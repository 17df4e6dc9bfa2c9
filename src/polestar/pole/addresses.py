"""Address vocabulary: the street-type words sources spell out or abbreviate, and the words a
call handler puts before an address ("o/s 12 Mill Lane")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Full word → the Royal Mail style abbreviation both forms are compared as.
STREET_TYPES: dict[str, str] = {
    "AVENUE": "AVE",
    "CLOSE": "CL",
    "COURT": "CT",
    "CRESCENT": "CRES",
    "DRIVE": "DR",
    "GARDENS": "GDNS",
    "GROVE": "GR",
    "LANE": "LN",
    "MEWS": "MWS",
    "PLACE": "PL",
    "RISE": "RI",
    "ROAD": "RD",
    "ROW": "RW",
    "SQUARE": "SQ",
    "STREET": "ST",
    "TERRACE": "TER",
    "VIEW": "VW",
    "WALK": "WLK",
    "WAY": "WY",
}

# Each street type's word and abbreviation, as the forms either stands for: people type `25
# Trentham St` for 25 Trentham Street, and sources write either.
STREET_FORMS: dict[str, frozenset[str]] = {
    form: frozenset({word, short}) for word, short in STREET_TYPES.items() for form in (word, short)
}


def street_forms(word: str) -> frozenset[str]:
    """The forms an upper-case address word stands for: a street type's word and abbreviation
    (`ST` → ST, STREET; `Saint` abbreviated is ST too, kept), or the word alone."""
    return STREET_FORMS.get(word, frozenset({word}))


# Words before a free-text location that say where relative to the address, not which.
RELATIVE_PREFIXES: tuple[str, ...] = (
    "o/s",
    "outside",
    "adj",
    "adjacent to",
    "opp",
    "opposite",
    "nr",
    "near",
    "rear of",
    "r/o",
    "junction of",
    "jct of",
    "by",
)


def one_line(values: Mapping[str, Any]) -> str | None:
    """A location's fields as one line to show (`7 Mill Lane, Stone, ST15 8AB`), from
    whichever of lines, town and postcode are present; a free-text description otherwise."""
    parts = [*(values.get("lines") or ()), values.get("town"), values.get("postcode")]
    return ", ".join(str(part) for part in parts if part) or values.get("description") or None
