"""`courts.xml`: court listings — one `<case>` per hearing, defendants named `SURNAME, Forename`.

Text and attributes are escaped with the standard library's saxutils; elements a listing did not
record (a date of birth, a PNC ID, a postcode) are left out.
"""

from __future__ import annotations

import random
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from polestar.synth import catalogue, plan
from polestar.synth.block import Block
from polestar.synth.identities import Person
from polestar.synth.timeline import AS_OF, event_time, iso_date
from polestar.synth.variation import iso

SOURCE = "courts"
FILE = "courts.xml"
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<listings court_system="HMCTS-synthetic" generated="{iso_date(AS_OF)}">\n'
)
FOOTER = "</listings>\n"
# Defendant ids are numbered from the case's sequence number: at most this many per case.
_MAX_DEFENDANTS = 4


def _element(tag: str, text: str, indent: str) -> str:
    return f"{indent}<{tag}>{escape(text)}</{tag}>\n" if text else ""


def _defendant(block: Block, rng: random.Random, key: str, person: Person) -> str:
    vary = block.vary
    block.person(SOURCE, key, person)
    name = vary.name(rng, person)
    forenames = f"{name.forename} {name.middle}".strip()
    dob = vary.dob(rng, person)
    home, postcode = block.home(rng, SOURCE, f"{key}/address", person)
    charges = "".join(
        "        <charge>"
        f"<offence>{escape(rng.choice(catalogue.ARREST_OFFENCES))}</offence>"
        f"<plea>{escape(rng.choice(catalogue.PLEAS))}</plea></charge>\n"
        for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0])
    )
    address = (
        f"      <address><line>{escape(home.line)}</line><town>{escape(home.town)}</town>"
        + (f"<postcode>{escape(postcode)}</postcode>" if postcode else "")
        + "</address>\n"
    )
    return (
        f"    <defendant id={quoteattr(key)}>\n"
        + _element("name", f"{name.surname.upper()}, {forenames}", "      ")
        + _element("dob", iso(dob) if dob else "", "      ")
        + _element("gender", vary.gender(rng, person), "      ")
        + _element("pnc_id", vary.identifier(rng, "pnc_id", person, 0.85), "      ")
        + address
        + f"      <charges>\n{charges}      </charges>\n"
        + "    </defendant>\n"
    )


def write(block: Block) -> None:
    """Append block `block`'s cases to courts.xml."""
    rng = block.rng(SOURCE)
    cast = block.cast
    out = block.text(FILE)
    first = plan.first_record(SOURCE, block.index)
    for i in range(plan.records_in_block(SOURCE, block.people, block.index)):
        seq = first + i
        hearing: datetime = event_time(rng)
        number = f"T{hearing.year}{seq + 1:04d}"
        defendants = [cast.offenders.pick()]
        for _ in range(rng.choices((0, 1, 2), (75, 18, 7))[0]):
            mate = cast.gang_mate(rng, defendants[0])
            if mate is not None and mate not in defendants:
                defendants.append(mate)
        parts = [
            f"  <case number={quoteattr(number)}>\n",
            f"    <court>{escape(rng.choice(catalogue.COURTS))}</court>\n",
            f"    <hearing date={quoteattr(iso_date(hearing.date()))} "
            f"time={quoteattr(rng.choice(catalogue.HEARING_TIMES))} "
            f"type={quoteattr(rng.choice(catalogue.HEARING_TYPES))}/>\n",
        ]
        for j, person in enumerate(defendants[:_MAX_DEFENDANTS]):
            parts.append(_defendant(block, rng, f"D-{seq * _MAX_DEFENDANTS + j + 1:06d}", person))
        parts.append(f"    <outcome>{escape(rng.choice(catalogue.COURT_OUTCOMES))}</outcome>\n")
        parts.append("  </case>\n")
        out.write("".join(parts))
        block.count("event")
        block.count(f"file:{FILE}")
