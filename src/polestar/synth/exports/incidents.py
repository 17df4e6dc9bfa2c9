"""`incidents.csv`: command and control — one row per call, as the call handler typed it.

Incident `k` (0-based, county-wide) falls on window day `k mod days` and is that day's
`k div days + 1`-th incident, so `INC-yyyymmdd-nnnn` is unique without any block knowing
another's output. Clock-change days come first in that cycle, so every county has calls inside
the missing and repeated hours.
"""

from __future__ import annotations

import random
from datetime import datetime

from polestar.synth import catalogue, plan
from polestar.synth.block import Block
from polestar.synth.geography import Address
from polestar.synth.timeline import (
    CLOCK_CHANGE_DAYS,
    WINDOW_DAYS,
    clock_change_time,
    time_of_day,
    window_day,
)

SOURCE = "incidents"
FILE = "incidents.csv"
COLUMNS = (
    "incident_ref", "call_time", "grade", "incident_type", "location_text", "easting",
    "northing", "caller_name", "caller_phone", "closing_code",
)  # fmt: skip
_TYPES = tuple(name for name, _ in catalogue.INCIDENT_TYPES)
_TYPE_WEIGHTS = tuple(weight for _, weight in catalogue.INCIDENT_TYPES)
_TITLES = ("Mr ", "Mrs ", "Ms ", "Miss ")
# Other window days follow the clock-change days in this fixed order.
_OTHER_DAYS = tuple(
    i for i in range(WINDOW_DAYS) if window_day(i) not in frozenset(CLOCK_CHANGE_DAYS)
)


def _call_time(rng: random.Random, seq: int) -> datetime:
    cycle, position = divmod(seq, WINDOW_DAYS)
    if position < len(CLOCK_CHANGE_DAYS):
        day = CLOCK_CHANGE_DAYS[position]
        if cycle == 0 or rng.random() < 0.1:
            return clock_change_time(rng, day)
    else:
        day = window_day(_OTHER_DAYS[position - len(CLOCK_CHANGE_DAYS)])
    return datetime.combine(day, time_of_day(rng))


def location_text(rng: random.Random, address: Address) -> str:
    """Free text as a call handler types a location: `o/s 12 Mill Ln, stone`."""
    street = address.street.name
    if rng.random() < 0.3:
        head, _, suffix = street.rpartition(" ")
        street = f"{head} {catalogue.STREET_ABBREVIATIONS.get(suffix, suffix)}"
    text = f"{rng.choice(catalogue.LOCATION_PREFIXES)}{address.number} {street}"
    roll = rng.random()
    if roll < 0.6:
        text = f"{text}, {address.town}"
    elif roll < 0.75:
        text = f"{text} {address.town.upper()}"
    return text.lower() if rng.random() < 0.15 else text


def write(block: Block) -> None:
    """Append block `block`'s calls to incidents.csv."""
    rng = block.rng(SOURCE)
    cast = block.cast
    first = plan.first_record(SOURCE, block.index)
    for i in range(plan.records_in_block(SOURCE, block.people, block.index)):
        seq = first + i
        when = _call_time(rng, seq)
        ref = f"INC-{when:%Y%m%d}-{seq // WINDOW_DAYS + 1:04d}"
        caller = cast.adults.pick()
        roll = rng.random()
        anonymous = roll < 0.12
        at_home = not anonymous and rng.random() < 0.4
        place = caller.home if at_home else rng.choice(block.folk.spare_addresses)
        block.location(SOURCE, ref, place)
        address = block.address(place)
        name = ""
        if anonymous:
            name = "Anonymous" if roll < 0.06 else ""
        else:
            block.person(SOURCE, ref, caller)
            view = block.vary.name(rng, caller)
            title = rng.choice(_TITLES) if rng.random() < 0.03 else ""
            name = f"{title}{view.forename} {view.surname}".strip()
        block.row(FILE, (
            ref,
            when.strftime("%Y-%m-%d %H:%M:%S"),
            rng.choices("1234", (15, 40, 30, 15))[0],
            rng.choices(_TYPES, _TYPE_WEIGHTS)[0],
            location_text(rng, address),
            address.easting + rng.randint(-25, 25),
            address.northing + rng.randint(-25, 25),
            name,
            block.phone(rng, caller, 0.95, "messy"),
            rng.choice(catalogue.CLOSING_CODES),
        ))  # fmt: skip
        block.count("event")
