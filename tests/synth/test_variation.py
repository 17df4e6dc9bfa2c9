"""Per-record variation: each documented rate, measured on a county against the truth.

Rates are measured from the files and the generator's identities and geography (never from the
generator's constants) and must reach the floors docs/synth.md states.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from nicknames import NickNamer

from conftest import County, PersonRecord
from polestar.errors import InvalidValue
from polestar.pole.identifiers import CroNumber, NiNumber, PncId
from polestar.synth.variation import mistype_postcode, mistype_reference, typo

DOC = Path(__file__).resolve().parents[2] / "docs" / "synth.md"
_CLEANERS: dict[str, Callable[[str], str]] = {
    "pnc_id": PncId.clean,
    "cro_number": CroNumber.clean,
    "ni_number": NiNumber.clean,
}
_NICKNAMES = NickNamer()


def documented_floors() -> dict[str, float]:
    """The `| \\`name\\` | floor% | …` rows of docs/synth.md's rates table."""
    floors = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|\s*([\d.]+)%\s*\|", line)
        if match:
            floors[match[1]] = float(match[2]) / 100
    return floors


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def forename_kind(recorded: str, true: str) -> str:
    """Classify a recorded forename against the true one."""
    rec, tru = recorded.lower(), true.lower()
    if rec == tru:
        return "exact"
    if len(rec) == 1 and tru.startswith(rec):
        return "initial"
    if rec in _NICKNAMES.nicknames_of(tru) or (len(rec) >= 2 and tru.startswith(rec)):
        return "short"
    if distance(rec, tru) <= 2:
        return "typo"
    return "other"


def parse_date(text: str, style: str) -> tuple[int, int, int] | None:
    """(year, month, day) as written, or None if the text is not a date in `style`."""
    pattern = r"(\d{4})-(\d{2})-(\d{2})" if style == "iso" else r"(\d{2})/(\d{2})/(\d{4})"
    match = re.fullmatch(pattern, text)
    if match is None:
        return None
    a, b, c = (int(g) for g in match.groups())
    return (a, b, c) if style == "iso" else (c, b, a)


def is_real(parts: tuple[int, int, int]) -> bool:
    """Whether (year, month, day) is a date that exists."""
    try:
        date(*parts)
    except ValueError:
        return False
    return True


def _share(hits: int, total: int) -> float:
    assert total > 100, f"too few records to measure a rate ({total})"
    return hits / total


def _name_rates(county: County) -> dict[str, float]:
    kinds = [forename_kind(r.forename, county.true_person(r).forename) for r in county.persons]
    surname_changed = swapped = barrelled = 0
    for record in county.persons:
        person = county.true_person(record)
        surname_changed += record.surname.lower() != person.surname.lower()
        swapped += (record.forename.lower(), record.surname.lower()) == (
            person.surname.lower(),
            person.forename.lower(),
        )
        barrelled += "-" in record.surname or " " in record.surname
    total = len(kinds)
    return {
        "forename_typo": _share(kinds.count("typo"), total),
        "forename_short": _share(kinds.count("short"), total),
        "forename_initial": _share(kinds.count("initial"), total),
        "surname_changed": _share(surname_changed, total),
        "names_swapped": _share(swapped, total),
        "surname_double_barrelled": _share(barrelled, total),
    }


def _dob_rates(county: County) -> dict[str, float]:
    dated = [r for r in county.persons if r.dob_format]
    present = [r for r in dated if r.dob]
    parsed = [(r, parse_date(r.dob, r.dob_format)) for r in present]
    impossible = sum(1 for _, parts in parsed if parts is None or not is_real(parts))
    eligible = swapped = 0
    for record, parts in parsed:
        dob = county.true_person(record).dob
        if parts is None or not is_real(parts) or dob.day > 12 or dob.day == dob.month:
            continue
        eligible += 1
        swapped += parts == (dob.year, dob.day, dob.month)
    return {
        "dob_missing": _share(len(dated) - len(present), len(dated)),
        "impossible_date": _share(impossible, len(present)),
        "day_month_swapped": _share(swapped, eligible),
    }


def _place_rates(county: County) -> dict[str, float]:
    with_home = [r for r in county.persons if r.home_key]
    moved = sum(
        county.truth["location", r.source, r.home_key] != f"L{county.true_person(r).home:07d}"
        for r in with_home
        if ("location", r.source, r.home_key) in county.truth
    )
    postcodes = [loc for loc in county.locations if loc.postcode is not None]
    wrong = 0
    for location in postcodes:
        index = int(county.truth["location", location.source, location.key][1:])
        true = county.geo.address(index).postcode.replace(" ", "")
        wrong += (location.postcode or "").replace(" ", "").upper() != true
    return {
        "moved_address": _share(moved, len(with_home)),
        "postcode_missing_or_mistyped": _share(wrong, len(postcodes)),
    }


def _canonical(kind: str, value: str) -> str:
    try:
        return _CLEANERS[kind](value)
    except InvalidValue:
        return value.replace(" ", "").upper()


def _identifier_rates(county: County) -> dict[str, float]:
    known: dict[str, set[str]] = {kind: set() for kind in _CLEANERS}
    for person in county.people.values():
        for kind in _CLEANERS:
            if value := getattr(person, kind):
                known[kind].add(value)
    carried = mistyped = wrong = 0
    for record in county.persons:
        person = county.true_person(record)
        for kind, value in record.ids.items():
            carried += 1
            canonical = _canonical(kind, value)
            if canonical == getattr(person, kind):
                continue
            if canonical in known[kind]:
                wrong += 1
            else:
                mistyped += 1
    public = [r for r in county.persons if r.role in ("victim", "witness", "reporter")]
    return {
        "identifier_mistyped": _share(mistyped, carried),
        "identifier_wrong_person": _share(wrong, carried),
        "identifier_absent_public": _share(sum(not r.ids for r in public), len(public)),
    }


def measured_rates(county: County) -> dict[str, float]:
    """Every documented rate, measured on `county`."""
    return {
        **_name_rates(county),
        **_dob_rates(county),
        **_place_rates(county),
        **_identifier_rates(county),
        "under_18": _share(
            sum(county.true_person(r).age() < 18 for r in county.persons), len(county.persons)
        ),
    }


def test_every_documented_rate_is_measured_and_reaches_its_floor(county: County) -> None:
    floors = documented_floors()
    measured = measured_rates(county)
    assert set(floors) == set(measured), "docs/synth.md and the measured rates disagree"
    below = {
        k: (round(measured[k], 4), floor) for k, floor in floors.items() if measured[k] < floor
    }
    assert not below, f"measured below floor (measured, floor): {below}"


def test_records_of_one_person_differ_in_several_ways(county: County) -> None:
    by_person: dict[str, list[PersonRecord]] = {}
    for record in county.persons:
        by_person.setdefault(county.truth["person", record.source, record.key], []).append(record)
    prolific = max(by_person.values(), key=len)
    assert len({(r.forename, r.surname.lower()) for r in prolific}) >= 5


@pytest.mark.parametrize("word", ["Smith", "Jo", "Mohammed", "Łukasz", "O'Brien"])
def test_a_typo_differs_and_is_not_a_clipped_name(word: str) -> None:
    rng = random.Random(1)
    for _ in range(200):
        slipped = typo(rng, word)
        assert slipped.lower() != word.lower()
        assert not word.lower().startswith(slipped.lower())


def test_mistyped_references_fail_their_check_letter() -> None:
    rng = random.Random(2)
    for _ in range(200):
        with pytest.raises(InvalidValue):
            PncId.clean(mistype_reference(rng, "2009/0123456C"))


def test_mistyped_postcodes_differ() -> None:
    rng = random.Random(3)
    assert all(mistype_postcode(rng, "ST16 2DJ") != "ST16 2DJ" for _ in range(200))
