"""`custody.csv`: custody — one row per episode; SURNAME in capitals, dates dd/mm/yyyy."""

from __future__ import annotations

from polestar.synth import catalogue, plan
from polestar.synth.block import Block
from polestar.synth.timeline import event_time
from polestar.synth.variation import dmy

SOURCE = "custody"
FILE = "custody.csv"
COLUMNS = (
    "custody_ref", "arrest_time", "surname", "forenames", "dob", "gender", "pnc_id",
    "cro_number", "address", "postcode", "phone", "arrest_offence", "custody_suite", "markers",
)  # fmt: skip


def write(block: Block) -> None:
    """Append block `block`'s custody episodes to custody.csv."""
    rng = block.rng(SOURCE)
    vary = block.vary
    first = plan.first_record(SOURCE, block.index)
    for i in range(plan.records_in_block(SOURCE, block.people, block.index)):
        ref = f"CU-{first + i + 1:06d}"
        person = block.cast.offenders.pick()
        block.person(SOURCE, ref, person)
        name = vary.name(rng, person)
        dob = vary.dob(rng, person)
        home, postcode = block.home(rng, SOURCE, ref, person)
        markers = [code for code, _ in person.markers if rng.random() < 0.9]
        block.row(FILE, (
            ref,
            event_time(rng).strftime("%d/%m/%Y %H:%M"),
            name.surname.upper(),
            f"{name.forename} {name.middle}".strip(),
            dmy(dob) if dob else "",
            vary.gender(rng, person),
            vary.identifier(rng, "pnc_id", person, 0.92),
            vary.identifier(rng, "cro_number", person, 0.6),
            f"{home.line}, {home.town}",
            postcode,
            block.phone(rng, person, 0.75, "spaced"),
            rng.choice(catalogue.ARREST_OFFENCES),
            rng.choice(catalogue.CUSTODY_SUITES),
            ";".join(markers),
        ))  # fmt: skip
        block.count("event")
