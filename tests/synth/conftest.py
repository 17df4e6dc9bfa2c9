"""One synthetic county shared by the synth tests, read back the way an ingest would read it.

The county is generated once per session (5,000 people, two workers). Every file is parsed with
the standard library into plain observations — person records, location records, vehicle
records — so tests can compare what the sources say with what is true (truth.csv plus the
generator's own identities and geography).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DefusedET
import pytest

from polestar.synth import generate, plan
from polestar.synth.geography import Geography
from polestar.synth.identities import Person, county_people

SEED = 7
PEOPLE = 5000
_TITLES = frozenset({"Mr", "Mrs", "Ms", "Miss", "Dr"})


@dataclass
class PersonRecord:
    """What one record says about a person; empty strings where a field was not recorded."""

    source: str
    key: str
    role: str
    forename: str
    surname: str
    dob: str = ""
    dob_format: str = ""  # `iso`, `dmy`, or empty for sources without a date of birth
    ids: dict[str, str] = field(default_factory=dict)
    phone: str = ""
    home_key: str = ""  # key of the location record of the home it gives, if any


@dataclass
class LocationRecord:
    """What one record says about a place."""

    source: str
    key: str
    postcode: str | None  # None: the source has no postcode for it
    easting: int | None = None
    northing: int | None = None


@dataclass
class County:
    """A generated county, its files read back, and the truth behind them."""

    path: Path
    counts: dict[str, int]
    truth: dict[tuple[str, str, str], str]
    people: dict[str, Person]
    geo: Geography
    persons: list[PersonRecord] = field(default_factory=list)
    locations: list[LocationRecord] = field(default_factory=list)
    vehicles: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    crimes: list[dict[str, Any]] = field(default_factory=list)

    def true_person(self, record: PersonRecord) -> Person:
        """The true identity behind a person record."""
        return self.people[self.truth["person", record.source, record.key]]


def forename_first(text: str) -> tuple[str, str]:
    """Split `Mrs Jane Smith-Jones` into (`Jane`, `Smith-Jones`)."""
    tokens = [t for t in text.split() if t not in _TITLES]
    return (tokens[0], " ".join(tokens[1:])) if len(tokens) > 1 else ("", " ".join(tokens))


def _csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _read_crime(county: County) -> None:
    with (county.path / "crime.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            crime = json.loads(line)
            county.crimes.append(crime)
            ref = crime["crime_ref"]
            county.locations.append(
                LocationRecord(
                    "crime",
                    ref,
                    crime["location"]["postcode"] or "",
                    crime["location"]["easting"],
                    crime["location"]["northing"],
                )
            )
            for i, person in enumerate(crime["persons"]):
                key = person["nominal_id"] or f"{ref}/persons/{i}"
                home_key = ""
                if person["address"] is not None:
                    home_key = f"{key}/address"
                    postcode = person["address"]["postcode"] or ""
                    county.locations.append(LocationRecord("crime", home_key, postcode))
                ids = {k: person[k] for k in ("pnc_id", "ni_number") if person[k]}
                county.persons.append(
                    PersonRecord(
                        "crime",
                        key,
                        person["role"],
                        person["forename"] or "",
                        person["surname"] or "",
                        person["dob"] or "",
                        "iso",
                        ids,
                        person["phone"] or "",
                        home_key,
                    )
                )
            for i, vehicle in enumerate(crime["vehicles"]):
                county.vehicles.append(("crime", f"{ref}/vehicles/{i}", vehicle))


def _read_csvs(county: County) -> None:
    path = county.path
    for row in _csv(path / "custody.csv"):
        key = row["custody_ref"]
        ids = {k: row[k] for k in ("pnc_id", "cro_number") if row[k]}
        forename = (row["forenames"].split() or [""])[0]
        county.persons.append(
            PersonRecord(
                "custody",
                key,
                "arrested-person",
                forename,
                row["surname"],
                row["dob"],
                "dmy",
                ids,
                row["phone"],
                key,
            )
        )
        county.locations.append(LocationRecord("custody", key, row["postcode"]))
    for row in _csv(path / "incidents.csv"):
        key = row["incident_ref"]
        if row["caller_name"] not in ("", "Anonymous"):
            forename, surname = forename_first(row["caller_name"])
            county.persons.append(
                PersonRecord(
                    "incidents", key, "reporter", forename, surname, phone=row["caller_phone"]
                )
            )
        county.locations.append(
            LocationRecord("incidents", key, None, int(row["easting"]), int(row["northing"]))
        )
    for row in _csv(path / "fire_incidents.csv"):
        key = row["incident_number"]
        if row["occupier_name"]:
            forename, surname = forename_first(row["occupier_name"])
            county.persons.append(
                PersonRecord(
                    "fire_incidents",
                    key,
                    "occupier",
                    forename,
                    surname,
                    phone=row["occupier_phone"],
                )
            )
        county.locations.append(LocationRecord("fire_incidents", key, row["postcode"]))
    for row in _csv(path / "fire_premises.csv"):
        key = row["premises_id"]
        if row["occupant_name"]:
            forename, surname = forename_first(row["occupant_name"])
            county.persons.append(
                PersonRecord(
                    "fire_premises", key, "occupant", forename, surname, row["occupant_dob"], "iso"
                )
            )
        county.locations.append(LocationRecord("fire_premises", key, row["postcode"]))
    for row in _csv(path / "probation.csv"):
        key = row["crn"]
        ids = {k: row[k] for k in ("pnc_id", "ni_number") if row[k]}
        county.persons.append(
            PersonRecord(
                "probation",
                key,
                "subject",
                row["forename"],
                row["surname"],
                row["dob"],
                "iso",
                ids,
                row["phone"],
                key,
            )
        )
        county.locations.append(LocationRecord("probation", key, row["postcode"]))


def _read_courts(county: County) -> None:
    root = DefusedET.parse(county.path / "courts.xml").getroot()
    for case in root.iter("case"):
        for defendant in case.iter("defendant"):
            key = defendant.get("id", "")
            surname, _, forenames = (defendant.findtext("name") or "").partition(", ")
            pnc = defendant.findtext("pnc_id")
            county.persons.append(
                PersonRecord(
                    "courts",
                    key,
                    "defendant",
                    (forenames.split() or [""])[0],
                    surname,
                    defendant.findtext("dob") or "",
                    "iso",
                    {"pnc_id": pnc} if pnc else {},
                    home_key=f"{key}/address",
                )
            )
            postcode = defendant.findtext("address/postcode") or ""
            county.locations.append(LocationRecord("courts", f"{key}/address", postcode))


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    """A 5,000-person county, generated once with two workers, read back and joined to truth."""
    path = tmp_path_factory.mktemp("county")
    counts = generate(path, PEOPLE, SEED, workers=2)
    truth = {
        (row["kind"], row["source"], row["source_key"]): row["true_id"]
        for row in _csv(path / "truth.csv")
    }
    people = {p.true_id: p for block in county_people(SEED, PEOPLE) for p in block.people}
    geo = Geography(SEED, plan.address_count(PEOPLE))
    result = County(path, counts, truth, people, geo)
    _read_crime(result)
    _read_csvs(result)
    _read_courts(result)
    return result
