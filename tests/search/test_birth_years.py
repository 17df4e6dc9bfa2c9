"""A surname with a year of birth or an age range finds those born then, among more namesakes
than a search reads as candidates — end to end, through the store, the index (`y` keys) and
the ranking (issue 6).

Sixty-five Smiths born in the 1980s and 1990s are ingested first, so that their lower ids fill
the candidates a name alone reads; then one born in 1977.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.search import search
from polestar.search.ranking import age_on
from polestar.search.results import CANDIDATES
from polestar.settings import Settings
from tests.canary import canary_model
from tests.search.linked import custody_row, searchable_custody

__all__ = ["canary_model"]

LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
BORN_1977 = date(1977, 6, 15)


def _row(number: int, forename: str, born: date) -> str:
    return custody_row("BY", number, "SMITH", forename, f"{born:%d/%m/%Y}")


@pytest.fixture
def smiths(db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]) -> Engine:
    others = [
        _row(n, f"{LETTERS[n // 20]}{LETTERS[n % 20]}ron".title(), date(1980 + n % 20, 3, 1))
        for n in range(CANDIDATES + 5)
    ]
    rows = [*others, _row(999, "Wayne", BORN_1977)]
    return searchable_custody(db, settings, tmp_path, rows, canary_model)


AGE = age_on(BORN_1977, date.today())


@pytest.mark.parametrize("typed", ["smith 1977", f"smith aged {AGE - 1}-{AGE}"])
def test_a_surname_with_a_year_or_ages_finds_those_born_then(
    smiths: Engine, settings: Settings, typed: str
) -> None:
    viewer = viewer_for(smiths, "home-analyst", "investigation", None)
    page = search(smiths, settings, viewer, typed, kind="person")
    assert [result.display_name for result in page.results[:1]] == ["Wayne Smith"], page.results
