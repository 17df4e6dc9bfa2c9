"""The street types that make words a street: every one the synthetic county writes."""

from __future__ import annotations

from polestar.pole.addresses import STREET_TYPES
from polestar.synth.geography import _STREET_SUFFIXES


def test_every_street_type_the_county_writes_is_known() -> None:
    # `Keats Walk` read as names only found people called Walker, not the street.
    written = {suffix.upper() for suffix, _ in _STREET_SUFFIXES}
    assert written - STREET_TYPES.keys() == set()


def test_each_abbreviation_stands_for_one_street_type() -> None:
    assert len(set(STREET_TYPES.values())) == len(STREET_TYPES)
