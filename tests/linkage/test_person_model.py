"""Hand-picked pairs of person records through the real ingest and `link`, on both dialects.

The model is trained once per test run on a generated county of 1,000 people (about 3,000
person records; ~10 s) and stored into each test's store, so `link` reuses it as it would
in service. Each test writes a custody.csv (and, where another system is involved, a
crime.jsonl) holding its pair among 200 ordinary custody rows from that county: with only
the pair in the store, Splink's term-frequency adjustments would see every name as
universal and the test would measure the tiny store rather than the model.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.access.demo import demo_users
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.explanations import explain
from polestar.linkage.person_model import (
    CONFLICT,
    DEFAULT_M,
    DEFAULT_U,
    PLACE_IN_COMMON,
    conflict,
    fill_untrained,
)
from polestar.linkage.run import link
from polestar.pole.identifiers import pnc_check_letter
from polestar.settings import Settings
from polestar.store.entities import members
from tests import generated
from tests.ingest.exports import CUSTODY_HEADER, crime_line
from tests.linkage.models import ACTOR, store_person_model

FILLER_ROWS = 200


@dataclass(frozen=True)
class Trained:
    model: dict[str, Any]
    filler: list[str]  # custody rows of the training county, as CSV lines


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    county = generated.county(tmp_path_factory, people=1000, seed=5)
    model = generated.person_model(tmp_path_factory, county)
    rows = (county / "custody.csv").read_text(encoding="utf-8").splitlines()
    return Trained(model, rows[1 : FILLER_ROWS + 1])


def pnc(year: int, serial: int) -> str:
    return f"{year}/{serial:07d}{pnc_check_letter(year, serial)}"


@dataclass(frozen=True)
class Nominal:
    """A person as a custody officer records them; `replace()` makes the other record."""

    surname: str
    forenames: str
    dob: str  # dd/mm/yyyy, as the custody system writes it
    gender: str = ""
    pnc_id: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""

    def row(self, key: str) -> str:
        """This person's custody.csv row."""
        return (
            f"{key},01/02/2024 10:00,{self.surname},{self.forenames},{self.dob},{self.gender},"
            f'{self.pnc_id},,"{self.address}",{self.postcode},{self.phone},Theft,Stafford,'
        )


def crime_suspect(ref: str, nominal_id: str, **person: Any) -> dict[str, object]:
    """A crime with one suspect: `person` holds the crime system's person fields."""
    suspect = {"nominal_id": nominal_id, "role": "suspect", "aliases": [], "markers": []}
    return crime_line(ref, persons=[{**suspect, **person}], vehicles=[], weapons=[])


INCIDENTS_HEADER = (
    "incident_ref,call_time,grade,incident_type,location_text,easting,northing,caller_name,"
    "caller_phone,closing_code"
)


def call_from(ref: str, caller: str, location: str) -> str:
    """A call for service as command and control exports it: the caller gave a name only."""
    return (
        f'{ref},2024-03-01 21:40:00,2,Suspicious circumstances,"{location}",400500,356500,'
        f"{caller},,Advice given"
    )


def link_pair(
    db: Engine,
    settings: Settings,
    tmp_path: Path,
    trained: Trained,
    rows: list[str],
    crimes: list[dict[str, object]] | None = None,
    calls: list[str] | None = None,
) -> dict[tuple[str, str], str]:
    """Store the trained model, ingest the rows (and any crimes and calls for service) among
    the filler, link; → record → entity."""
    store_person_model(db, trained.model)
    folder = tmp_path / "exports"
    folder.mkdir()
    lines = [CUSTODY_HEADER, *trained.filler, *rows]
    (folder / "custody.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if crimes:
        text = "".join(json.dumps(crime) + "\n" for crime in crimes)
        (folder / "crime.jsonl").write_text(text, encoding="utf-8")
    if calls:
        (folder / "incidents.csv").write_text(
            "\n".join([INCIDENTS_HEADER, *calls]) + "\n", encoding="utf-8"
        )
    report = ingest(db, plan_inputs([folder]), settings, actor=ACTOR)
    assert report.total.quarantined == 0, report.as_dict()
    linked = link(db, settings, actor=ACTOR, warn=lambda _message: None)
    assert linked.model_version == 1  # the stored model, not a new one trained on the pair
    with db.connect() as conn:
        return {(source, key): entity for source, key, entity in members(conn, "person")}


def together(placement: dict[tuple[str, str], str], *records: tuple[str, str]) -> bool:
    return len({placement[record] for record in records}) == 1


A = ("custody", "HP-0001")
B = ("custody", "HP-0002")
GARETH = Nominal(
    "HUGHES", "Gareth", "04/09/1983", "M", address="6 Church Street, Leek", postcode="ST13 6AB"
)
JOHN = Nominal(
    "SMITH", "John", "01/03/1980", "M", address="12 Mill Lane, Stone", postcode="ST15 8AB"
)


# --- kept apart ------------------------------------------------------------------------------


def test_twins_are_kept_apart(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    # Same surname, birthday, sex and home; no identifiers.
    rows = [JOHN.row(A[1]), replace(JOHN, forenames="James").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert not together(placement, A, B)


def test_same_name_same_birthday_strangers_are_kept_apart(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    stranger = replace(
        JOHN,
        gender="F",
        pnc_id=pnc(2012, 654321),
        address="9 Hill Street, Tamworth",
        postcode="B79 7AA",  # another postcode district
    )
    rows = [replace(JOHN, pnc_id=pnc(2009, 123456)).row(A[1]), stranger.row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert not together(placement, A, B)


def test_shared_pnc_id_does_not_join_a_conflicting_date_of_birth(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    gareth = replace(GARETH, pnc_id=pnc(2009, 123456))
    rows = [gareth.row(A[1]), replace(gareth, dob="17/02/1971").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert not together(placement, A, B)


def test_pnc_id_on_the_wrong_person_does_not_join_them(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    shared = pnc(2009, 123456)
    susan = Nominal(
        "PARKER", "Susan", "12/12/1960", "F", shared, "9 Hill Street, Tamworth", "B79 7AA"
    )
    rows = [replace(GARETH, pnc_id=shared).row(A[1]), susan.row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert not together(placement, A, B)


# --- joined ----------------------------------------------------------------------------------


def test_nickname_and_moved_address_join_on_a_shared_phone(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    william = Nominal(
        "SMITH",
        "William",
        "05/06/1975",
        "M",
        "",
        "4 Park Road, Stafford",
        "ST16 2DJ",
        "07700 900123",
    )
    crime = crime_suspect(
        "CR-24-900001",
        "NOM-9000001",
        forename="Bill",
        surname="Smith",
        dob="1975-06-05",
        gender="M",
        phone="07700900123",
        address={"lines": ["9 Hill Street"], "town": "Tamworth", "postcode": "B79 7AA"},
    )
    placement = link_pair(db, settings, tmp_path, trained, [william.row(A[1])], [crime])

    assert together(placement, A, ("crime", "NOM-9000001"))


def test_nickname_and_moved_address_join_on_a_shared_pnc_id(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    william = Nominal(
        "SMITH",
        "William",
        "05/06/1975",
        "M",
        pnc(2009, 123456),
        "4 Park Road, Stafford",
        "ST16 2DJ",
    )
    bill = replace(william, forenames="Bill", address="9 Hill Street, Tamworth", postcode="B79 7AA")
    placement = link_pair(db, settings, tmp_path, trained, [william.row(A[1]), bill.row(B[1])])

    assert together(placement, A, B)


@pytest.mark.parametrize(
    ("location", "joined"),
    [("o/s 6 Church St, Leek", True), ("o/s 12 Mill Lane, Stone", False)],
    ids=["from-his-home", "from-elsewhere"],
)
def test_a_caller_giving_only_a_name_joins_the_person_whose_home_they_called_from(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained, location: str, joined: bool
) -> None:
    # The name alone is not enough (no date of birth, no phone); the address the call came
    # from, his home in custody's record, is.
    call = call_from("INC-20240301-0001", "Gareth Hughes", location)
    placement = link_pair(db, settings, tmp_path, trained, [GARETH.row(A[1])], calls=[call])

    assert together(placement, A, ("incidents", "INC-20240301-0001")) is joined
    # An explanation, read through the policy layer, weighs the place as the run did.
    demo_users(db, datetime.now(UTC), actor=ACTOR, settings=settings)
    viewer = viewer_for(db, "home-admin", "investigation")
    explained = explain(db, settings, viewer, "custody:HP-0001", "incidents:INC-20240301-0001")
    waterfall = explained.as_dict()
    address = next(c for c in waterfall["comparisons"] if c["comparison"] == "postcode")
    assert (address["level"] == PLACE_IN_COMMON) is joined, address
    assert (waterfall["match_probability"] >= settings.link_match_threshold) is joined


def test_initial_joins_a_forename_with_the_same_birthday_and_postcode(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    rows = [JOHN.row(A[1]), replace(JOHN, forenames="J.", gender="").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert together(placement, A, B)


def test_transposed_day_and_month_join_when_the_rest_agrees(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    gareth = replace(GARETH, phone="07700 900555")
    rows = [gareth.row(A[1]), replace(gareth, dob="09/04/1983").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert together(placement, A, B)


def test_year_of_birth_off_by_one_joins_when_the_rest_agrees(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    gareth = replace(GARETH, phone="07700 900555")
    rows = [gareth.row(A[1]), replace(gareth, dob="04/09/1984").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert together(placement, A, B)


def test_surname_typo_joins_when_the_rest_agrees(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    rows = [JOHN.row(A[1]), replace(JOHN, surname="SMYTH").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert together(placement, A, B)


def test_forename_and_surname_swapped_join(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    rows = [GARETH.row(A[1]), replace(GARETH, surname="GARETH", forenames="Hughes").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert together(placement, A, B)


def test_one_part_of_a_hyphenated_surname_joins(
    db: Engine, settings: Settings, tmp_path: Path, trained: Trained
) -> None:
    kelly = Nominal(
        "FOSTER-RICHARDSON",
        "Kelly",
        "14/06/1989",
        "F",
        address="33 Heath Close, Cannock",
        postcode="WS11 6NX",
    )
    rows = [kelly.row(A[1]), replace(kelly, surname="RICHARDSON").row(B[1])]
    placement = link_pair(db, settings, tmp_path, trained, rows)

    assert together(placement, A, B)


def test_a_level_seen_among_matches_but_in_no_random_pair_gets_u_bounded_by_the_pairs() -> None:
    def level(label: str, **probabilities: float) -> dict[str, Any]:
        return {"label_for_charts": label, **probabilities}

    model = {
        "comparisons": [
            {
                "output_column_name": "forename",
                "comparison_levels": [
                    {"is_null_level": True, "label_for_charts": "null"},
                    level("exact", m_probability=0.6, u_probability=0.002),
                    level("swapped", m_probability=0.013),  # no random pair was swapped
                    level("else", m_probability=0.05, u_probability=0.99),
                ],
            },
            {
                "output_column_name": "crn",
                "comparison_levels": [level("equal"), level("differ")],  # never seen at all
            },
        ]
    }

    filled = fill_untrained(model, 2e6)

    forename, crn = (c["comparison_levels"] for c in model["comparisons"])
    assert forename[2]["u_probability"] == 1 / 2e6
    assert forename[2]["m_probability"] == 0.013
    assert (crn[0]["m_probability"], crn[0]["u_probability"]) == (
        DEFAULT_M["exact"],
        DEFAULT_U["exact"],
    )
    assert (crn[1]["m_probability"], crn[1]["u_probability"]) == (
        DEFAULT_M["else"],
        DEFAULT_U["else"],
    )
    assert filled == [
        "forename: swapped (u, at most 1 in the pairs sampled)",
        "crn: every level (m and u)",
    ]


def _dob_levels(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (dob,) = (c for c in model["comparisons"] if c["output_column_name"] == "dob")
    return {level["label_for_charts"]: level for level in dob["comparison_levels"]}


def test_the_county_model_holds_conflicting_dates_and_sexes_apart(trained: Trained) -> None:
    # One person's records disagree on the date of birth almost never in the county.
    disagreeing = _dob_levels(trained.model)["All other comparisons"]["m_probability"]
    assert disagreeing < 0.01
    assert conflict(trained.model, Settings().link_conflict_bound) == CONFLICT


def test_a_model_that_found_dates_of_birth_disagreeing_often_holds_only_sexes_apart(
    trained: Trained,
) -> None:
    model = copy.deepcopy(trained.model)
    levels = _dob_levels(model)
    levels["Exact match on dob"]["m_probability"] = 0.92
    levels["All other comparisons"]["m_probability"] = 0.065  # FEBRL's copies

    assert conflict(model, 0.01) == "coalesce(gender_l <> gender_r, false)"
    assert conflict(model, 1.0) == CONFLICT  # POLESTAR_LINK_CONFLICT_BOUND=1: always apart
    levels["All other comparisons"]["m_probability"] = 0.0099
    assert conflict(model, 0.01) == CONFLICT
