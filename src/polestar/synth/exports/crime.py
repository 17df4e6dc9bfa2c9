"""`crime.jsonl`: the crime records system — crimes and intelligence logs, one JSON object a line.

Shape and keys: docs/sources.md. People, vehicles, weapons and places are nested in the crime;
a person's key is its `nominal_id` when the system gave one, else `<crime_ref>/persons/<i>`.
"""

from __future__ import annotations

import json
import random
from typing import Any

from polestar.synth import catalogue, plan
from polestar.synth.block import Block
from polestar.synth.identities import Person, Vehicle
from polestar.synth.timeline import after, event_time, iso_date, iso_time
from polestar.synth.variation import iso

SOURCE = "crime"
FILE = "crime.jsonl"
INTELLIGENCE_SHARE = 0.12
_OFFENDING_ROLES = frozenset({"suspect", "offender", "subject"})
_CATEGORIES = tuple(catalogue.CRIME_OFFENCES)
_CATEGORY_WEIGHTS = tuple(weight for weight, _ in catalogue.CRIME_OFFENCES.values())


def write(block: Block) -> None:
    """Append block `block`'s crimes and intelligence logs to crime.jsonl."""
    rng = block.rng(SOURCE)
    out = block.text(FILE)
    first = plan.first_record(SOURCE, block.index)
    for i in range(plan.records_in_block(SOURCE, block.people, block.index)):
        writer = _intelligence if rng.random() < INTELLIGENCE_SHARE else _crime
        record = writer(block, rng, first + i)
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        block.count("event")
        block.count(f"file:{FILE}")


def _crime(block: Block, rng: random.Random, seq: int) -> dict[str, Any]:
    cast = block.cast
    occurred = event_time(rng)
    recorded = after(rng, occurred, 48)
    category = rng.choices(_CATEGORIES, _CATEGORY_WEIGHTS)[0]
    sexual = category == "violent-crime" and rng.random() < catalogue.SEXUAL_SHARE_OF_VIOLENT
    offence = rng.choice(
        catalogue.SEXUAL_OFFENCES if sexual else catalogue.CRIME_OFFENCES[category][1]
    )
    outcome_is_offender = rng.random() < 0.35
    outcomes = catalogue.OUTCOMES_OFFENDER if outcome_is_offender else catalogue.OUTCOMES_SUSPECT
    cast_list: list[tuple[str, Person]] = []
    taken: set[int] = set()

    def add(role: str, person: Person | None) -> None:
        if person is not None and person.index not in taken:
            taken.add(person.index)
            cast_list.append((role, person))

    victim = None
    if sexual or category not in catalogue.VICTIMLESS or rng.random() < 0.2:
        victim = cast.public.pick()
        if sexual:  # victims of sexual offences are mostly women and girls
            for _ in range(3):
                if victim.gender == "F":
                    break
                victim = cast.public.pick()
        add("victim", victim)
    suspect_role = "offender" if outcome_is_offender else "suspect"
    suspects = rng.choices((0, 1, 2, 3), (30, 48, 16, 6))[0]
    domestic = victim is not None and category == "violent-crime" and not sexual
    partners = [p for p in cast.housemates(victim) if p.age() >= 16] if victim else []
    if domestic and partners and rng.random() < 0.25:
        add(suspect_role, rng.choice(partners))
    for n in range(suspects):
        first = cast_list[-1][1] if n and cast_list else None
        mate = cast.gang_mate(rng, first) if first is not None else None
        add(suspect_role, mate if mate and rng.random() < 0.7 else cast.offenders.pick_other(taken))
    for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
        add("witness", cast.public.pick_other(taken))
    if rng.random() < 0.3:
        add("reporter", cast.adults.pick_other(taken))

    ref = f"CR-{recorded.year % 100:02d}-{seq + 1:06d}"
    scene = _scene(block, rng, category, victim)
    persons = [_person(block, rng, ref, seq, i, role, p) for i, (role, p) in enumerate(cast_list)]
    weapons = []
    if rng.random() < catalogue.WEAPON_CATEGORIES.get(category, 0.0):
        kind, description = rng.choice(catalogue.WEAPONS)
        weapons.append({"type": kind, "description": description})
        block.count("weapon")
    summary_key = "sexual" if sexual else category
    return {
        "crime_ref": ref,
        "type": "crime",
        "recorded_at": iso_time(recorded),
        "occurred_at": iso_time(occurred),
        "category": category,
        "offence": offence,
        "outcome": rng.choice(outcomes),
        "sexual_offence": sexual,
        "summary": catalogue.SUMMARIES.get(summary_key, catalogue.DEFAULT_SUMMARY),
        "location": _location(block, rng, ref, scene),
        "persons": persons,
        "vehicles": _vehicles(block, rng, ref, category, cast_list),
        "weapons": weapons,
        "grading": None,
    }


def _intelligence(block: Block, rng: random.Random, seq: int) -> dict[str, Any]:
    cast = block.cast
    recorded = event_time(rng)
    subjects: list[Person] = []
    if cast.missing and rng.random() < 0.2:
        subjects.append(rng.choice(cast.missing))
    else:
        subjects.append(cast.offenders.pick())
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):
            mate = cast.gang_mate(rng, subjects[-1])
            if mate is not None and mate not in subjects:
                subjects.append(mate)
    ref = f"CR-{recorded.year % 100:02d}-{seq + 1:06d}"
    scene = rng.choice((subjects[0].home, rng.choice(block.folk.spare_addresses)))
    cast_list = [("subject", person) for person in subjects]
    return {
        "crime_ref": ref,
        "type": "intelligence",
        "recorded_at": iso_time(recorded),
        "occurred_at": iso_time(recorded),
        "category": "intelligence",
        "offence": None,
        "outcome": None,
        "sexual_offence": False,
        "summary": rng.choice(catalogue.INTELLIGENCE_SUMMARIES),
        "location": _location(block, rng, ref, scene),
        "persons": [_person(block, rng, ref, seq, i, "subject", p) for i, p in enumerate(subjects)],
        "vehicles": _vehicles(block, rng, ref, "intelligence", cast_list),
        "weapons": [],
        "grading": {
            "source": rng.choice(catalogue.GRADING_SOURCE),
            "intelligence": rng.choice(catalogue.GRADING_INTELLIGENCE),
            "handling": rng.choice(catalogue.GRADING_HANDLING),
        },
    }


def _scene(block: Block, rng: random.Random, category: str, victim: Person | None) -> int:
    """Where it happened: burglaries at the victim's home, other crimes anywhere in the block."""
    if victim is not None and (category == "burglary" or rng.random() < 0.3):
        return victim.home
    folk = block.folk
    if rng.random() < 0.6:
        return rng.choice(folk.spare_addresses)
    return rng.choice(folk.households).home


def _location(block: Block, rng: random.Random, ref: str, index: int) -> dict[str, Any]:
    address, postcode = block.place(rng, SOURCE, ref, index)
    return {
        "lines": [address.line],
        "town": address.town,
        "postcode": postcode or None,
        "uprn": address.uprn if rng.random() < 0.4 else None,
        "easting": address.easting,
        "northing": address.northing,
    }


def _person(
    block: Block, rng: random.Random, ref: str, seq: int, i: int, role: str, person: Person
) -> dict[str, Any]:
    vary = block.vary
    offending = role in _OFFENDING_ROLES
    nominal = f"NOM-{seq * 10 + i + 1:08d}" if rng.random() < 0.7 else None
    key = nominal or f"{ref}/persons/{i}"
    block.person(SOURCE, key, person)
    name = vary.name(rng, person)
    dob = vary.dob(rng, person)
    shown = 0.85 if offending else 0.1
    address = None
    if rng.random() < 0.8:
        home, postcode = block.home(rng, SOURCE, f"{key}/address", person)
        address = {"lines": [home.line], "town": home.town, "postcode": postcode or None}
    aliases = []
    if offending and rng.random() < 0.15:
        alias = vary.name(rng, person)
        aliases.append({"forename": alias.forename, "surname": alias.surname})
    markers = person.markers if offending or rng.random() < 0.5 else ()
    return {
        "nominal_id": nominal,
        "role": role,
        "forename": name.forename or None,
        "middle_names": name.middle or None,
        "surname": name.surname or None,
        "dob": iso(dob) if dob else None,
        "gender": vary.gender(rng, person) or None,
        "pnc_id": vary.identifier(rng, "pnc_id", person, shown) or None,
        "ni_number": vary.identifier(rng, "ni_number", person, shown * 0.6) or None,
        "phone": block.phone(rng, person, 0.6, "compact") or None,
        "aliases": aliases,
        "address": address,
        "markers": [{"code": code, "date": iso_date(day)} for code, day in markers],
        "wanted": person.wanted and rng.random() < 0.8,
        "missing": person.missing and rng.random() < 0.8,
    }


def _vehicles(
    block: Block, rng: random.Random, ref: str, category: str, cast_list: list[tuple[str, Person]]
) -> list[dict[str, Any]]:
    """Vehicles stolen from victims in vehicle crime, or used by suspects and subjects."""
    chosen: list[tuple[str, int, Vehicle]] = []  # role, person_index, vehicle
    for i, (role, person) in enumerate(cast_list):
        owned = block.cast.vehicles_of(person)
        if owned and role == "victim" and category == "vehicle-crime":
            roles = catalogue.VEHICLE_ROLES_VICTIM
        elif owned and role in _OFFENDING_ROLES and rng.random() < 0.2:
            roles = catalogue.VEHICLE_ROLES_SUSPECT
        else:
            continue
        chosen.append((rng.choice(roles), i, rng.choice(owned)))
    vehicles = []
    for n, (role, person_index, vehicle) in enumerate(chosen):
        block.vehicle(SOURCE, f"{ref}/vehicles/{n}", vehicle)
        vrm = vehicle.vrm if rng.random() > 0.05 else vehicle.vrm.replace(" ", "")
        vehicles.append({
            "vrm": vrm,
            "make": vehicle.make,
            "model": vehicle.model if rng.random() < 0.85 else None,
            "colour": vehicle.colour if rng.random() < 0.9 else None,
            "role": role,
            "person_index": person_index if rng.random() < 0.9 else None,
        })  # fmt: skip
    return vehicles
