"""`fire_incidents.csv` and `fire_premises.csv`: the fire and rescue service's two exports.

Fire always records the UPRN of the places it attends or inspects. Occupiers are named forename
first. The premises register favours homes of older and vulnerable people, as home fire safety
visits do.
"""

from __future__ import annotations

import random

from polestar.synth import catalogue, plan
from polestar.synth.block import Block
from polestar.synth.identities import Household, Person
from polestar.synth.timeline import AS_OF, WINDOW_START, event_time, iso_date, iso_time, random_date
from polestar.synth.variation import iso

INCIDENTS_SOURCE = "fire_incidents"
INCIDENTS_FILE = "fire_incidents.csv"
INCIDENTS_COLUMNS = (
    "incident_number", "reported_at", "incident_type", "property_type", "address_line", "town",
    "postcode", "uprn", "occupier_name", "occupier_phone", "casualties", "cause",
)  # fmt: skip
PREMISES_SOURCE = "fire_premises"
PREMISES_FILE = "fire_premises.csv"
PREMISES_COLUMNS = (
    "premises_id", "uprn", "address_line", "town", "postcode", "premises_type", "risk_level",
    "hazards", "occupant_name", "occupant_dob", "occupant_markers", "last_inspected",
)  # fmt: skip


def write(block: Block) -> None:
    """Append block `block`'s fire incidents and premises to their files."""
    _incidents(block, block.rng(INCIDENTS_SOURCE))
    _premises(block, block.rng(PREMISES_SOURCE))


def _forename_first(block: Block, rng: random.Random, person: Person) -> str:
    view = block.vary.name(rng, person)
    return f"{view.forename} {view.surname}".strip()


def _incidents(block: Block, rng: random.Random) -> None:
    first = plan.first_record(INCIDENTS_SOURCE, block.index)
    for i in range(plan.records_in_block(INCIDENTS_SOURCE, block.people, block.index)):
        when = event_time(rng)
        ref = f"FRS-{when.year % 100:02d}-{first + i + 1:05d}"
        incident_type, property_type, occupied = rng.choice(catalogue.FIRE_INCIDENTS)
        occupier = block.cast.adults.pick() if occupied else None
        place = occupier.home if occupier else rng.choice(block.folk.spare_addresses)
        address, postcode = block.place(rng, INCIDENTS_SOURCE, ref, place)
        name = phone = ""
        if occupier is not None and rng.random() < 0.9:
            block.person(INCIDENTS_SOURCE, ref, occupier)
            name = _forename_first(block, rng, occupier)
            phone = block.phone(rng, occupier, 0.7, "spaced")
        block.row(INCIDENTS_FILE, (
            ref, iso_time(when), incident_type, property_type, address.line, address.town,
            postcode, address.uprn, name, phone, rng.choices((0, 1, 2), (92, 6, 2))[0],
            rng.choice(catalogue.FIRE_CAUSES),
        ))  # fmt: skip
        block.count("event")


def _vulnerability(block: Block, household: Household) -> float:
    people = [block.folk.people[m] for m in household.members]
    oldest = max((p.age() for p in people), default=0)
    cared = any(code in {"IM", "MH", "SH", "SU", "CO"} for p in people for code, _ in p.markers)
    return oldest / 100 + (0.5 if cared else 0.0)


def _premises(block: Block, rng: random.Random) -> None:
    households = [h for h in block.folk.households if h.members]
    ranked = sorted(households, key=lambda h: _vulnerability(block, h) + rng.random())
    count = plan.records_in_block(PREMISES_SOURCE, block.people, block.index)
    first = plan.first_record(PREMISES_SOURCE, block.index)
    for i, household in enumerate(reversed(ranked[-count:] if count else [])):
        ref = f"PR-{first + i + 1:06d}"
        address, postcode = block.place(rng, PREMISES_SOURCE, ref, household.home)
        occupant = max(
            (block.folk.people[m] for m in household.members), key=lambda p: (p.age(), p.index)
        )
        name = dob = markers = ""
        if rng.random() < 0.92:
            block.person(PREMISES_SOURCE, ref, occupant)
            name = _forename_first(block, rng, occupant)
            parts = block.vary.dob(rng, occupant)
            dob = iso(parts) if parts else ""
            markers = ";".join(code for code, _ in occupant.markers)
        hazards = rng.sample(catalogue.HAZARDS, rng.choices((0, 1, 2, 3), (30, 40, 20, 10))[0])
        block.row(PREMISES_FILE, (
            ref, address.uprn, address.line, address.town, postcode,
            rng.choice(catalogue.PREMISES_TYPES),
            catalogue.RISK_LEVELS[min(3, len(hazards) + (1 if markers else 0))],
            ";".join(hazards), name, dob, markers, iso_date(random_date(rng, WINDOW_START, AS_OF)),
        ))  # fmt: skip
