"""`probation.csv`: the probation caseload — one row per supervised person, keyed by CRN.

The CRN is the system's own key, so it is never mistyped here; the PNC ID and NI number are.
"""

from __future__ import annotations

import random
from datetime import timedelta

from polestar.synth import catalogue
from polestar.synth.block import Block
from polestar.synth.names import group_pools
from polestar.synth.timeline import AS_OF, WINDOW_START, iso_date, random_date
from polestar.synth.variation import iso

SOURCE = "probation"
FILE = "probation.csv"
COLUMNS = (
    "crn", "surname", "forename", "dob", "gender", "pnc_id", "ni_number", "address", "postcode",
    "phone", "rosh_level", "supervision_status", "supervision_start", "supervision_end",
    "offender_manager",
)  # fmt: skip


def _staff_name(rng: random.Random) -> str:
    """An offender manager, written `J. Patel` (staff, not a person record)."""
    pools = group_pools()["british"]
    return f"{pools.forename(rng, rng.choice('MF'))[0]}. {pools.surname.draw(rng)}"


def write(block: Block) -> None:
    """Append block `block`'s supervised people to probation.csv."""
    rng = block.rng(SOURCE)
    vary = block.vary
    for person in block.folk.people:
        if person.crn is None:
            continue
        block.person(SOURCE, person.crn, person)
        name = vary.name(rng, person)
        dob = vary.dob(rng, person)
        home, postcode = block.home(rng, SOURCE, person.crn, person)
        start = random_date(rng, WINDOW_START, AS_OF - timedelta(days=30))
        status = rng.choices(catalogue.SUPERVISION_STATUSES, (50, 25, 25))[0]
        end = start + timedelta(days=rng.randint(180, 900))
        if status == "terminated":
            end = min(end, AS_OF - timedelta(days=1))
        block.row(FILE, (
            person.crn,
            name.surname,
            name.forename,
            iso(dob) if dob else "",
            vary.gender(rng, person),
            vary.identifier(rng, "pnc_id", person, 0.9),
            vary.identifier(rng, "ni_number", person, 0.8),
            f"{home.line}, {home.town}",
            postcode,
            block.phone(rng, person, 0.85, "spaced" if rng.random() < 0.5 else "compact"),
            rng.choices(catalogue.ROSH_LEVELS, (40, 35, 20, 5))[0],
            status,
            iso_date(start),
            iso_date(end),
            _staff_name(rng),
        ))  # fmt: skip
        block.count("event")
