"""The true people: households, twins, namesakes, shared phones and vehicles, prolific offenders."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from conftest import County
from polestar.synth.identities import build_block


def _digits(phone: str) -> str:
    """A phone number as 10 national digits, whatever format the record used."""
    digits = re.sub(r"\D", "", phone)
    return digits[-10:]


def test_families_live_at_one_address(county: County) -> None:
    homes = Counter(p.home for p in county.people.values())
    assert sum(1 for n in homes.values() if n >= 3) > 100
    shared = defaultdict(set)
    for (kind, source, _key), true_id in county.truth.items():
        if kind == "location":
            shared[true_id].add(source)
    families = {f"L{p.home:07d}" for p in county.people.values() if homes[p.home] >= 3}
    assert sum(1 for true_id in families if true_id in shared) > 50


def test_twins_share_surname_birthday_and_home_but_not_forename(county: County) -> None:
    seen: dict[tuple[str, object, int], set[str]] = defaultdict(set)
    for person in county.people.values():
        seen[person.surname, person.dob, person.home].add(person.forename)
    assert sum(1 for forenames in seen.values() if len(forenames) >= 2) >= 5


def test_some_strangers_share_a_name_and_birthday(county: County) -> None:
    seen: dict[tuple[str, str, object], set[int]] = defaultdict(set)
    for person in county.people.values():
        seen[person.forename, person.surname, person.dob].add(
            person.household + 10**6 * (person.index // 2000)
        )
    assert sum(1 for homes in seen.values() if len(homes) >= 2) >= 5


def test_phones_are_shared_between_people(county: County) -> None:
    users: dict[str, set[str]] = defaultdict(set)
    for record in county.persons:
        if record.phone:
            users[_digits(record.phone)].add(county.truth["person", record.source, record.key])
    assert sum(1 for who in users.values() if len(who) >= 2) >= 10


def test_vehicles_are_shared_and_have_keepers(county: County) -> None:
    drivers: dict[str, set[str]] = defaultdict(set)
    for crime in county.crimes:
        persons = crime["persons"]
        for i, vehicle in enumerate(crime["vehicles"]):
            true_vehicle = county.truth["vehicle", "crime", f"{crime['crime_ref']}/vehicles/{i}"]
            if vehicle["person_index"] is not None:
                person = persons[vehicle["person_index"]]
                key = (
                    person["nominal_id"]
                    or f"{crime['crime_ref']}/persons/{vehicle['person_index']}"
                )
                drivers[true_vehicle].add(county.truth["person", "crime", key])
    assert sum(1 for who in drivers.values() if len(who) >= 2) >= 3
    block = build_block(7, 5000, 0)
    assert all(v.keeper in v.users for v in block.vehicles)
    assert all(re.fullmatch(r"[A-Z]{2}\d{2} [A-Z]{3}", v.vrm) for v in block.vehicles)


def test_people_move_and_records_show_both_homes(county: County) -> None:
    homes: dict[str, set[str]] = defaultdict(set)
    for record in county.persons:
        if record.home_key:
            homes[county.truth["person", record.source, record.key]].add(
                county.truth["location", record.source, record.home_key]
            )
    assert sum(1 for seen in homes.values() if len(seen) >= 2) > 100


def test_a_few_prolific_offenders_and_a_long_tail(county: County) -> None:
    appearances = Counter(t for (kind, _, _), t in county.truth.items() if kind == "person")
    counts = sorted(appearances.values(), reverse=True)
    assert counts[0] >= 100
    assert counts[len(counts) // 2] <= 3  # the median person is in a few records
    assert len(appearances) >= 0.7 * len(county.people)  # most people appear at all


def test_a_block_is_rebuilt_identically() -> None:
    assert build_block(3, 2500, 1) == build_block(3, 2500, 1)
