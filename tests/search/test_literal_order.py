"""Among results of equal score, the name as typed comes first — end to end, through the
store, the index and the ranking (`ranking.literal_match`; issue 6).

Two people whose names are each other's reversed score alike for either query (a swapped
order is the same name, written another way); whichever order is typed must put the person
written that way first. Both orders are asked, so the entity ids cannot decide it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.search import search
from polestar.settings import Settings
from polestar.store.entities import members
from tests.canary import canary_model
from tests.search.linked import searchable_custody

__all__ = ["canary_model"]

ROWS = [
    'CU-LIT-0001,14/03/2024 02:17,HOLMES,Thomas,01/03/1980,M,,,"12 Mill Lane, Stone",ST15 8AB,'
    ",Assault,Stafford,",
    'CU-LIT-0002,15/03/2024 11:00,THOMAS,Holmes,09/11/1975,M,,,"4 Park Road, Stafford",'
    "ST16 2DJ,,Theft,Stafford,",
]


@pytest.fixture
def linked(db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]) -> Engine:
    return searchable_custody(db, settings, tmp_path, ROWS, canary_model)


@pytest.mark.parametrize(
    ("typed", "first"), [("Thomas Holmes", "CU-LIT-0001"), ("Holmes Thomas", "CU-LIT-0002")]
)
def test_the_name_as_typed_ranks_first_among_equals(
    linked: Engine, settings: Settings, typed: str, first: str
) -> None:
    with linked.connect() as conn:
        entity = {key: entity_id for _source, key, entity_id in members(conn, "person")}
    assert entity["CU-LIT-0001"] != entity["CU-LIT-0002"]
    viewer = viewer_for(linked, "home-analyst", "investigation", None)

    page = search(linked, settings, viewer, typed, kind="person")

    ranked = [result.entity_id for result in page.results]
    assert set(ranked[:2]) == {entity["CU-LIT-0001"], entity["CU-LIT-0002"]}, ranked
    assert ranked[0] == entity[first], (typed, ranked)
