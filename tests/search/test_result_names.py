"""What a result line calls a person (issue 6): the name and date of birth most of the records
the viewer may see give, not one mistyped record's. Searched by a date only that record gives,
Mandy Cox was shown as `Many Cox`, born on the mistyped day. Searched by name, the line keeps
the name as the records that answered give it, which says why she was found."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.search import search
from polestar.settings import Settings
from polestar.store.entities import members
from tests.canary import canary_model
from tests.ingest.exports import crime_line, write_crime
from tests.search.linked import searchable

__all__ = ["canary_model"]

PNC = "2015/0654321W"


def _mandy(forename: str, surname: str, dob: str) -> dict[str, object]:
    return {
        "role": "suspect",
        "forename": forename,
        "middle_names": "Rebecca",
        "surname": surname,
        "dob": dob,
        "gender": "F",
        "pnc_id": PNC,
    }


# Two records give her name and birthday (8 July 1993); one mistypes her forename, and her
# birthday with day and month transposed; one gives her married name.
CRIMES = [
    crime_line("CR-24-000201", persons=[_mandy("Mandy", "Cox", "1993-07-08")], vehicles=[]),
    crime_line("CR-24-000202", persons=[_mandy("Mandy", "Cox", "1993-07-08")], vehicles=[]),
    crime_line("CR-24-000203", persons=[_mandy("Many", "Cox", "1993-08-07")], vehicles=[]),
    crime_line("CR-24-000204", persons=[_mandy("Mandy", "Cox-Jones", "1993-07-08")], vehicles=[]),
]


@pytest.fixture
def mandy(db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]) -> str:
    exports = tmp_path / "exports"
    exports.mkdir()
    write_crime(exports, list(CRIMES))
    # As in test_partner_records: on a store this small her records score between 0.9 and 0.99.
    searchable(db, settings.model_copy(update={"link_match_threshold": 0.9}), exports, canary_model)
    with db.connect() as conn:
        entities = {entity for _, _, entity in members(conn, "person")}
    assert len(entities) == 1, entities  # one woman in four records
    return entities.pop()


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        # Only the mistyped record gives 7 August: she is named as the other two name her.
        ("07/08/1993", "Mandy Rebecca Cox"),
        (PNC, "Mandy Rebecca Cox"),
        # By name: as the records that answered name her, which says why she was found.
        ("mandy jones", "Mandy Rebecca Cox-Jones"),
        ("Mandy Cox", "Mandy Rebecca Cox"),
    ],
)
def test_a_person_is_named_and_dated_as_most_of_their_records_give_it(
    db: Engine, settings: Settings, mandy: str, typed: str, named: str
) -> None:
    viewer = viewer_for(db, "home-officer", "investigation", None)
    page = search(db, settings, viewer, typed, kind="person")
    assert [result.entity_id for result in page.results] == [mandy]
    (result,) = page.results
    assert result.display_name == named
    assert result.born == date(1993, 7, 8)  # three records to one, whatever was typed
