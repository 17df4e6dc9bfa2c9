"""A value type's refusal quotes the value it refuses, so the reason can be read without it.

Field warnings are listed by `polestar quarantine list --warnings` without a purpose, and the
ingest summarises them on stderr: both show reasons through `errors.without_values`, which
masks what the reason quotes. A reason naming the value unquoted would show it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polestar.errors import InvalidValue, without_values
from polestar.sources.values import COMPOSITE_TYPES, VALUE_TYPES, Noted, Options

CANARY = "Qzx9"

_around = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _reason(apply: Any) -> str | None:
    """What a field warning would hold for this value: the refusal, or the note kept."""
    try:
        applied = apply()
    except InvalidValue as refusal:
        return str(refusal)
    return applied.note if isinstance(applied, Noted) else None


def _masked(reason: str | None) -> str:
    return "" if reason is None else without_values(reason).casefold()


def _applied(name: str, before: str, after: str) -> Any:
    """A value type, or a composite type given two values, applied to values holding CANARY."""
    if name in COMPOSITE_TYPES:
        return COMPOSITE_TYPES[name]([f"{before}{CANARY}", f"{CANARY}{after}"], Options())
    return VALUE_TYPES[name](f"{before}{CANARY}{after}", Options())


@pytest.mark.parametrize("name", sorted({*VALUE_TYPES, *COMPOSITE_TYPES}))
@settings(max_examples=60, deadline=None)
@given(before=_around, after=_around)
def test_a_refusal_shows_no_part_of_the_value_once_masked(
    name: str, before: str, after: str
) -> None:
    reason = _reason(lambda: _applied(name, before, after))
    assert CANARY.casefold() not in _masked(reason)


@pytest.mark.parametrize(
    ("name", "raws", "shown"),
    [
        ("grid", ["9999999", "12345"], "9999999"),  # off the National Grid
        ("grid", ["-4321", "12345"], "4321"),
    ],
)
def test_numbers_refused_are_masked_too(name: str, raws: list[str], shown: str) -> None:
    reason = _reason(lambda: COMPOSITE_TYPES[name](raws, Options()))
    assert reason is not None
    assert shown in reason
    assert shown not in _masked(reason)


@pytest.mark.parametrize(
    ("name", "raw", "shown"),
    [
        ("datetime", "2026-10-25T01:30:00", "01:30"),  # the hour repeated as clocks go back
        ("datetime", "2026-03-29T01:30:00", "01:30"),  # the hour skipped as they go forward
        ("markers", "VI, Qzx9", "qzx9"),  # one known, one left out
        ("date", "31/02/1985", "31/02"),
    ],
)
def test_notes_and_refusals_name_the_value_and_mask_it(name: str, raw: str, shown: str) -> None:
    options = Options(formats=("%d/%m/%Y",)) if name == "date" else Options()
    reason = _reason(lambda: VALUE_TYPES[name](raw, options))
    assert reason is not None
    assert shown in reason.casefold()
    assert shown not in _masked(reason)


def test_masking_leaves_the_words_around_the_value() -> None:
    assert without_values("'O\\'Brien 1' contains digits") == "[value] contains digits"
    assert without_values("\"O'Brien\" and 'x' differ") == "[value] and [value] differ"
    assert without_values("check the day and month") == "check the day and month"
