"""Generated-like exports of any size, deterministic for a seed, for the tests that need bulk.

The rows look like the synthetic county's (docs/sources.md): mostly clean, with the odd value a
normaliser refuses (an impossible date, a foreign postcode) so field warnings occur naturally.
`python -m tests.ingest.bulk DIR N` writes custody.csv and crime.jsonl of N records each.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from polestar.pole.identifiers import pnc_check_letter
from tests.ingest.exports import CUSTODY_HEADER

SURNAMES = ["SMITH", "JONES", "O'BRIEN", "PATEL", "NOWAK", "WILLIAMS", "TAYLOR", "BROWN", "KHAN"]
FORENAMES = ["John Paul", "Mary", "Dai", "Aisha", "Piotr", "Sarah Jane", "Mohammed", "Emma"]
STREETS = ["Mill Lane", "Park Road", "High Street", "Church Walk", "Station Road"]
TOWNS = [("Stone", "ST15 8AB"), ("Stafford", "ST16 2DJ"), ("Leek", "ST13 5AA")]
OFFENCES = ["Assault occasioning ABH", "Theft from shop", "Burglary", "Criminal damage"]
SUITES = ["Stafford", "Leek", "Burton"]
MARKERS = ["", "", "VI", "WE;DR", "SH"]
ROLES = ["suspect", "victim", "witness", "offender"]


def pnc_id(rng: random.Random) -> str:
    year, serial = rng.randint(1995, 2023), rng.randint(1, 999_999)
    return f"{year}/{serial:07d}{pnc_check_letter(year, serial)}"


def custody_key(number: int) -> str:
    return f"CU-{number:06d}"


def custody_row(number: int, rng: random.Random) -> str:
    """One custody.csv row; about 1 in 25 has a date and 1 in 25 a postcode that warn."""
    town, postcode = rng.choice(TOWNS)
    dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2008)}"
    if rng.random() < 0.04:
        dob = f"31/02/{rng.randint(1950, 2008)}"
    if rng.random() < 0.04:
        postcode = "75008"
    arrested = (
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024 "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    )
    fields = [
        custody_key(number),
        arrested,
        rng.choice(SURNAMES),
        rng.choice(FORENAMES),
        dob,
        rng.choice("MFX"),
        pnc_id(rng) if rng.random() < 0.7 else "",
        "",
        f'"{rng.randint(1, 200)} {rng.choice(STREETS)}, {town}"',
        postcode,
        f"07700 {rng.randint(900000, 900999)}" if rng.random() < 0.6 else "",
        rng.choice(OFFENCES),
        rng.choice(SUITES),
        rng.choice(MARKERS),
    ]
    return ",".join(fields)


def custody_rows(count: int, seed: int, first: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [custody_row(number, rng) for number in range(first, first + count)]


def crime_key(number: int) -> str:
    return f"CR-24-{number:06d}"


def crime_line(number: int, rng: random.Random) -> dict[str, object]:
    """One crime.jsonl object with one to three people (some nominals shared between crimes)."""
    town, postcode = rng.choice(TOWNS)
    people: list[dict[str, object]] = []
    for index in range(rng.randint(1, 3)):
        person: dict[str, object] = {
            "role": rng.choice(ROLES),
            "forename": rng.choice(FORENAMES).split()[0],
            "surname": rng.choice(SURNAMES).title(),
            "dob": f"{rng.randint(1950, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "gender": rng.choice("MF"),
            "address": {"lines": [f"{rng.randint(1, 99)} {rng.choice(STREETS)}"], "town": town},
        }
        if rng.random() < 0.3:
            person["nominal_id"] = f"NOM-{rng.randint(1, 400):07d}"
        if rng.random() < 0.5:
            person["pnc_id"] = pnc_id(rng)
            person["phone"] = f"07700{rng.randint(900000, 900999)}"
        if rng.random() < 0.04:
            person["dob"] = "1980-02-30"
        if index == 0 and rng.random() < 0.2:
            person["markers"] = [{"code": "VI", "date": "2021-06-01"}]
        people.append(person)
    return {
        "crime_ref": crime_key(number),
        "type": "crime",
        "recorded_at": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T09:30:00",
        "occurred_at": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T22:00:00",
        "category": "burglary",
        "offence": rng.choice(OFFENCES),
        "outcome": "Under investigation",
        "sexual_offence": False,
        "summary": "Entry forced at rear.",
        "location": {
            "lines": [f"{rng.randint(1, 99)} {rng.choice(STREETS)}"],
            "town": town,
            "postcode": postcode if rng.random() > 0.04 else "D02 X285",
            "easting": rng.randint(380_000, 400_000),
            "northing": rng.randint(320_000, 340_000),
        },
        "persons": people,
        "vehicles": (
            [{"vrm": "AB12 CDE", "make": "Ford", "role": "used", "person_index": 0}]
            if rng.random() < 0.3
            else []
        ),
        "weapons": [],
        "grading": None,
    }


def crime_lines(count: int, seed: int, first: int = 1) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [crime_line(number, rng) for number in range(first, first + count)]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def custody_text(rows: list[str]) -> list[str]:
    return [CUSTODY_HEADER, *rows]


def crime_text(items: list[dict[str, object]]) -> list[str]:
    return [json.dumps(item) for item in items]


if __name__ == "__main__":
    folder, count = Path(sys.argv[1]), int(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    write_lines(folder / "custody.csv", custody_text(custody_rows(count, seed=1)))
    write_lines(folder / "crime.jsonl", crime_text(crime_lines(count, seed=1)))
