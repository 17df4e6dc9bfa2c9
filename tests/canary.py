"""The canary county: a few hand-written exports in the synthetic county's formats, with a
unique canary string planted in every restricted field and derived value (issues 4 and 6).

One person, Tobias Quillfeather, has records in custody, two crimes, an intelligence log,
probation and the courts, all carrying the same PNC ID and date of birth so they link into one
entity. Around him: a victim of a sexual offence, a child witness, an associate named only
in the intelligence log (who uses his car there), and a caller to the control room who gave
his phone number. The fire service's premises register holds a hazard at his custody home.
`seed` ingests and links the files and loads the demo users; `expected`, `expected_vehicle` and
`expected_location` say which canaries each demo user may see of each person, of his car and
of that home.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access.demo import DEMO_USERS, demo_users
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.run import link
from polestar.settings import Settings
from polestar.store.entities import members
from tests import generated
from tests.conftest import DIALECTS, built_store, copied_store
from tests.linkage.models import store_person_model

ACTOR = "cli:test"
PNC = "2009/0123456C"

# Every canary is a lower-case token; response bodies are searched lower-cased.
CUSTODY_NAME = "zqcustodymiddle"  # a middle name only custody holds
CRIME_ALIAS = "zqcrimealias"  # an alias only the crime record holds
CRIME_HOME = "zqcrimehome"  # his home in the crime record
CUSTODY_HOME = "zqcustodyhome"  # his home in custody
PROBATION_HOME = "zqprobationstreet"  # a probation-only address
COURTS_HOME = "zqcourtshome"  # the courts' address for him
CRN = "x123456"  # probation's identifier for him
SUPERVISION_START = "2024-07-10"  # a day in summer: stored at 23:00 UTC the day before
MARKER_DATE = "2011-11-11"  # his firearms marker: a field CPS and probation mark sensitive
DOB = "1980-03-01"  # his date of birth: not shared with fire
PNC_TEXT = PNC.lower()  # not shared with fire
INTEL_ALIAS = "zqintelalias"  # an alias only the intelligence log holds
INTEL_KEY = "nom-zqintel"  # his record in the intelligence log
INTEL_SEEN = "2026-02-03t04:05"  # the intelligence log's time: his last seen, if visible
ASSOCIATE = "zqassociate"  # an associate named only in the intelligence log
VICTIM = "zqvictim"  # a victim of a sexual offence
VICTIM_HOME = "zqvictimhome"  # the victim's home
CHILD = "zqchild"  # a witness under 18
VEHICLE = "zq11veh"  # his car's VRM (crime), which the associate uses too (intelligence)
PHONE = "7700900901"  # his phone in custody, the number a caller also gave
CALLER = "zqcaller"  # a control-room caller who gave his phone number: a shared-phone associate
HAZARD = "zqhazard"  # the fire service's hazard at his custody home

ALL = (
    CUSTODY_NAME, CRIME_ALIAS, CRIME_HOME, CUSTODY_HOME, PROBATION_HOME, COURTS_HOME, CRN,
    MARKER_DATE, DOB, PNC_TEXT, INTEL_ALIAS, INTEL_KEY, INTEL_SEEN, ASSOCIATE, VICTIM,
    VICTIM_HOME, CHILD, VEHICLE, PHONE, CALLER, HAZARD,
)  # fmt: skip

# Market Square, Stone, on the National Grid: where the crimes and the call happened.
SQUARE = (389_250, 334_120)

CUSTODY = [
    "custody_ref,arrest_time,surname,forenames,dob,gender,pnc_id,cro_number,address,postcode,"
    "phone,arrest_offence,custody_suite,markers",
    f"CU-000901,14/03/2025 02:17,QUILLFEATHER,Tobias Zqcustodymiddle,01/03/1980,M,{PNC},"
    '123456/09K,"7 Zqcustodyhome Lane, Stone",ST15 8AB,07700 900901,Assault,Stafford,VI',
]

INCIDENTS = [
    "incident_ref,call_time,grade,incident_type,location_text,easting,northing,caller_name,"
    "caller_phone,closing_code",
    'INC-20250301-0901,2025-03-01 12:00:00,2,Suspicious circumstances,"Market Square, Stone",'
    f"{SQUARE[0]},{SQUARE[1]},Zqcaller Whitlock,07700 900901,Advice given",
]

FIRE_PREMISES = [
    "premises_id,uprn,address_line,town,postcode,premises_type,risk_level,hazards,occupant_name,"
    "occupant_dob,occupant_markers,last_inspected",
    "FP-000901,,7 Zqcustodyhome Lane,Stone,ST15 8AB,House,high,zqhazard gas cylinders;oxygen,,,,"
    "2025-01-15",
]

PROBATION = [
    "crn,surname,forename,dob,gender,pnc_id,ni_number,address,postcode,phone,rosh_level,"
    "supervision_status,supervision_start,supervision_end,offender_manager",
    f'X123456,Quillfeather,Tobias,1980-03-01,M,{PNC},,"9 Zqprobationstreet, Leek",ST13 5AA,,'
    f"medium,active,{SUPERVISION_START},2026-07-10,J. Patel",
]

COURTS = f"""<?xml version="1.0" encoding="UTF-8"?>
<listings court_system="HMCTS-synthetic" generated="2025-06-01">
  <case number="T20257001">
    <court>Stafford Crown Court</court>
    <hearing date="2025-05-02" time="10:00" type="Trial"/>
    <defendant id="D-000901">
      <name>QUILLFEATHER, Tobias</name>
      <dob>1980-03-01</dob>
      <gender>M</gender>
      <pnc_id>{PNC}</pnc_id>
      <address><line>3 Zqcourtshome Close</line><town>Stone</town><postcode>ST15 8AB</postcode></address>
    </defendant>
    <outcome>Adjourned</outcome>
  </case>
</listings>
"""  # noqa: E501


def _target(role: str, nominal: str = "NOM-0009001", **extra: object) -> dict[str, object]:
    return {
        "nominal_id": nominal,
        "role": role,
        "forename": "Tobias",
        "surname": "Quillfeather",
        "dob": DOB,
        "gender": "M",
        "pnc_id": PNC,
        **extra,
    }


def _car(person_index: int) -> dict[str, object]:
    """His car, used by the person at `person_index` of the record."""
    return {
        "vrm": "ZQ11 VEH",
        "make": "Ford",
        "model": "Focus",
        "colour": "Blue",
        "role": "used",
        "person_index": person_index,
    }


def _crime(ref: str, occurred: str, persons: list[dict[str, object]], **extra: object) -> dict:
    return {
        "crime_ref": ref,
        "type": "crime",
        "recorded_at": occurred,
        "occurred_at": occurred,
        "category": "burglary",
        "offence": "Burglary - residential",
        "outcome": "Under investigation",
        "sexual_offence": False,
        "summary": "Entry forced at rear.",
        "location": {
            "lines": ["1 Market Square"],
            "town": "Stone",
            "postcode": "ST15 8AA",
            "easting": SQUARE[0],
            "northing": SQUARE[1],
        },
        "persons": persons,
        "vehicles": [],
        "weapons": [],
        "grading": None,
        **extra,
    }


CRIMES = [
    _crime(
        "CR-25-000901",
        "2025-01-10T22:00:00",
        [
            _target(
                "suspect",
                address={"lines": ["5 Zqcrimehome Road"], "town": "Stone", "postcode": "ST15 8AB"},
                markers=[{"code": "FI", "date": MARKER_DATE}],
                aliases=[{"forename": "Zqcrimealias", "surname": "Quill"}],
                wanted=True,
            ),
            {
                "role": "witness",
                "forename": "Zqchild",
                "surname": "Brownlow",
                "dob": "2015-05-05",
                "address": {"lines": ["8 Field Walk"], "town": "Stone", "postcode": "ST15 8AD"},
            },
        ],
        vehicles=[_car(person_index=0)],
    ),
    _crime(
        "CR-25-000902",
        "2025-02-11T21:00:00",
        [
            _target("suspect"),
            {
                "role": "victim",
                "forename": "Zqvictim",
                "surname": "Ashdown",
                "dob": "1992-07-04",
                "address": {
                    "lines": ["2 Zqvictimhome Row"],
                    "town": "Leek",
                    "postcode": "ST13 5AB",
                },
            },
        ],
        category="violent-crime",
        offence="Sexual assault",
        sexual_offence=True,
    ),
    _crime(
        "IN-26-000903",
        "2026-02-03T04:05:06",
        [
            _target(
                "subject", "NOM-ZQINTEL", aliases=[{"forename": "Zqintelalias", "surname": "Q"}]
            ),
            {"role": "subject", "forename": "Zqassociate", "surname": "Penhaligon"},
        ],
        vehicles=[_car(person_index=1)],
        type="intelligence",
        category=None,
        offence=None,
        outcome=None,
        grading={"source": "B", "intelligence": "2", "handling": "P"},
    ),
]


def write_exports(folder: Path) -> Path:
    """The canary county's export files, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "custody.csv").write_text("\n".join(CUSTODY) + "\n", encoding="utf-8")
    (folder / "probation.csv").write_text("\n".join(PROBATION) + "\n", encoding="utf-8")
    (folder / "courts.xml").write_text(COURTS, encoding="utf-8")
    (folder / "incidents.csv").write_text("\n".join(INCIDENTS) + "\n", encoding="utf-8")
    (folder / "fire_premises.csv").write_text("\n".join(FIRE_PREMISES) + "\n", encoding="utf-8")
    (folder / "crime.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in CRIMES), encoding="utf-8"
    )
    return folder


@dataclass(frozen=True)
class Seeded:
    """The seeded store: each person's entity id, his car's and his custody home's, and each
    demo user's API token."""

    engine: Engine
    settings: Settings
    target: str
    associate: str
    victim: str
    child: str
    caller: str
    vehicle: str
    location: str
    tokens: dict[str, str]

    def entity(self, person: str) -> str:
        return str(getattr(self, person))


def _seed(engine: Engine, settings: Settings, folder: Path) -> Seeded:
    """Ingest and link the canary county, load the demo agreements, users and tokens."""
    ingest(engine, plan_inputs([write_exports(folder)]), settings, actor=ACTOR)
    link(engine, settings, actor=ACTOR, warn=lambda _message: None)
    tokens = {
        t.username: t.token
        for t in demo_users(engine, datetime.now(UTC), actor=ACTOR, settings=settings)
    }
    with engine.connect() as conn:
        entity = {(source, key): entity_id for source, key, entity_id in members(conn, "person")}
        vehicles = {(source, key): entity_id for source, key, entity_id in members(conn, "vehicle")}
        places = {(source, key): entity_id for source, key, entity_id in members(conn, "location")}
    target = entity["custody", "CU-000901"]
    vehicle = vehicles["crime", "CR-25-000901/vehicles/0"]
    assert vehicles["crime", "IN-26-000903/vehicles/0"] == vehicle, vehicles
    location = places["custody", "CU-000901"]
    assert places["fire_premises", "FP-000901"] == location, places
    his = {
        ("courts", "D-000901"),
        ("crime", "NOM-0009001"),
        ("crime", "NOM-ZQINTEL"),
        ("probation", "X123456"),
    }
    assert {entity[record] for record in his} == {target}, entity
    return Seeded(
        engine=engine,
        settings=settings,
        target=target,
        associate=entity["crime", "IN-26-000903/persons/1"],
        victim=entity["crime", "CR-25-000902/persons/1"],
        child=entity["crime", "CR-25-000901/persons/1"],
        caller=entity["incidents", "INC-20250301-0901"],
        vehicle=vehicle,
        location=location,
        tokens=tokens,
    )


@pytest.fixture(scope="session")
def canary_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A person model trained on a small generated county, so the canary records link."""
    county = generated.county(tmp_path_factory, people=300, seed=11)
    return generated.person_model(tmp_path_factory, county)


@contextmanager
def copied_canary(
    dialect: str,
    folder: Path,
    canary_model: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Seeded]:
    """A copy in `folder` of the canary county, seeded once per dialect and test process
    (seeding took most of the time of many modules), with `POLESTAR_*` pointing at it for CLI
    commands and servers."""

    def seed(engine: Engine, settings: Settings) -> Seeded:
        store_person_model(engine, canary_model)
        return _seed(engine, settings, settings.data_dir.parent / "exports")

    # The model was trained on 300 people; on a store this small its scores for records that
    # share a PNC ID, date of birth and name land between 0.9 and 0.99.
    template, seeded = built_store(
        "canary", dialect, seed, tmp_path_factory, link_match_threshold=0.9
    )
    with copied_store(template, folder) as (engine, settings):
        yield replace(seeded, engine=engine, settings=settings)


@pytest.fixture(params=DIALECTS)
def canary_copy(
    request: pytest.FixtureRequest,
    canary_model: dict[str, Any],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Seeded]:
    """A copy of the canary county of the test's own, for a test that changes the store (the
    module-scoped `canary` is read-only by contract)."""
    with copied_canary(
        request.param, tmp_path / "canary", canary_model, tmp_path_factory
    ) as seeded:
        yield seeded


@pytest.fixture(scope="module", params=DIALECTS)
def canary(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    canary_model: dict[str, Any],
) -> Iterator[Seeded]:
    """The canary county, a copy per module and dialect (tests only read it)."""
    folder = tmp_path_factory.mktemp("canary")
    with copied_canary(request.param, folder, canary_model, tmp_path_factory) as seeded:
        yield seeded


# A purpose each demo user may state.
PURPOSES = {
    "home-officer": "investigation",
    "home-call-handler": "safeguarding",
    "home-dispatcher": "safeguarding",
    "home-analyst": "investigation",
    "home-supervisor": "investigation",
    "home-dpo": "investigation",
    "home-admin": "investigation",
    "neighbour-officer": "wanted-check",
    "fire-caseworker": "fire-safety",
    "cps-caseworker": "prosecution",
    "courts-caseworker": "court-listing",
    "probation-caseworker": "offender-management",
}
USERS = tuple(demo.username for demo in DEMO_USERS)
PERSONS = ("target", "associate", "victim", "child")
JUSTIFICATION = "Matrix check 4711: reviewing the case file"


def canaries_in(text: str) -> set[str]:
    """The canary strings a response, page or output shows (case-insensitive)."""
    lowered = text.lower()
    return {canary for canary in ALL if canary in lowered}


def canaries_on_page(html: str) -> set[str]:
    """The canaries a page shows: times are written as pages show them (Europe/London, to
    the minute; February is GMT, so only the separator differs from the API's ISO form)."""
    return canaries_in(html.replace(INTEL_SEEN.replace("t", " ").upper(), INTEL_SEEN))


def api_headers(seeded: Seeded, user: str, justified: bool = False) -> dict[str, str]:
    """A demo user's token and stated purpose, with the justification when asked for."""
    headers = {
        "Authorization": f"Bearer {seeded.tokens[user]}",
        "X-Polestar-Purpose": PURPOSES[user],
    }
    if justified:
        headers["X-Polestar-Justification"] = JUSTIFICATION
    return headers


# What each agreement shows of the target (docs/access.md), as canaries.
_HOME = frozenset(
    {DOB, PNC_TEXT, MARKER_DATE, CRN, CRIME_ALIAS, CRIME_HOME, CUSTODY_NAME, CUSTODY_HOME,
     PROBATION_HOME, COURTS_HOME}
)  # fmt: skip
_INTELLIGENCE = _HOME | {INTEL_ALIAS, INTEL_KEY, INTEL_SEEN}
_NEIGHBOUR = frozenset({DOB, PNC_TEXT, MARKER_DATE, CRIME_ALIAS, CUSTODY_NAME})
_FIRE = frozenset({MARKER_DATE, CRIME_HOME, CUSTODY_HOME, CUSTODY_NAME})
_CPS = frozenset({DOB, PNC_TEXT, CRIME_ALIAS, CUSTODY_NAME})
_COURTS = frozenset({DOB, PNC_TEXT, COURTS_HOME, CUSTODY_NAME})
_PROBATION = frozenset({DOB, PNC_TEXT, CRN, CRIME_ALIAS, CUSTODY_NAME, PROBATION_HOME})
# The associate's profile (intelligence only) shows his car and names his record there.
_ASSOCIATE = frozenset({ASSOCIATE, INTEL_SEEN, VEHICLE, INTEL_KEY})
_VICTIM = frozenset({VICTIM, VICTIM_HOME})
_CHILD = frozenset({CHILD})
# The target's associates and belongings, seen by the whole home force: his car (crime), his
# phone (custody) and the caller who gave the same number (incidents).
_HOME_EXTRA = frozenset({VEHICLE, PHONE, CALLER})
_FULL = {
    "target": _INTELLIGENCE | _HOME_EXTRA | {ASSOCIATE, VICTIM, CHILD},
    "associate": _ASSOCIATE,
    "victim": _VICTIM,
    "child": _CHILD,
}
# Home-force roles that see people under 18 when they give a justification.
_UNDER_18 = {"home-officer", "home-call-handler", "home-dpo", "home-admin"}
_INTELLIGENCE_ROLES = {"home-analyst", "home-supervisor"}


def expected(user: str, person: str, justified: bool) -> frozenset[str] | None:
    """The canaries `user` may see of `person`, or None where the answer must be 404.

    Beyond the person's own records, the profile derives associates and belongings only
    from records the user may see: the child witness is his associate for whoever sees the
    child, the victim and the intelligence log's associate only for intelligence roles.
    """
    home = user.startswith("home-")
    if user in _INTELLIGENCE_ROLES and justified:
        return _FULL[person]
    if person == "target":
        partner = {
            "neighbour-officer": _NEIGHBOUR,
            "fire-caseworker": _FIRE,
            "cps-caseworker": _CPS | {VEHICLE} | ({MARKER_DATE} if justified else set()),
            "courts-caseworker": _COURTS,
            "probation-caseworker": _PROBATION | ({MARKER_DATE} if justified else set()),
        }
        if not home:
            return partner[user]
        return _HOME | _HOME_EXTRA | ({CHILD} if justified and user in _UNDER_18 else set())
    if person == "child" and justified and user in _UNDER_18 | {"fire-caseworker"}:
        return _CHILD
    return None


def expected_vehicle(user: str, justified: bool) -> frozenset[str] | None:
    """The canaries `user` may see of his car, or None where the answer must be 404: the
    home force and the CPS (a vehicle involved in a crime) see it; intelligence roles also
    see the associate using it in the intelligence log, and when."""
    if user in _INTELLIGENCE_ROLES and justified:
        return frozenset({VEHICLE, ASSOCIATE, INTEL_SEEN})
    if user.startswith("home-") or user == "cps-caseworker":
        return frozenset({VEHICLE})
    return None


def expected_location(user: str, justified: bool) -> frozenset[str] | None:
    """The canaries `user` may see of his custody home, or None where the answer must be 404:
    the home force and the fire service (residents' homes, and its own premises register)
    see the address, the hazard there and him living there."""
    del justified  # nothing restricted happens at this address
    if user.startswith("home-") or user == "fire-caseworker":
        return frozenset({CUSTODY_HOME, HAZARD, CUSTODY_NAME})
    return None
