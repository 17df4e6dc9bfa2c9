"""A surname typed with its prefix apart (`mc donald`, `o brien`, `van der berg`) or hyphenated
finds those who hold it as one word, before those holding the words apart; the words apart
still find a forename that is a prefix (`Mac Edwards`) — end to end (issue 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.search import search
from polestar.settings import Settings
from tests.canary import canary_model
from tests.search.linked import custody_row, searchable_custody

__all__ = ["canary_model"]

PEOPLE = [
    ("MCDONALD", "Diane", "21/03/1947"),
    ("DONALD", "Mc", "02/02/1990"),  # a forename and surname as typed apart: also found
    ("MANN", "Donald", "05/05/1985"),
    ("O'BRIEN", "Kathleen", "15/10/1979"),
    ("BRIEN", "Oliver", "01/01/1970"),
    ("VANDERBERG", "Pieter", "09/09/1966"),
    ("EDWARDS", "Mac", "31/10/1984"),
    ("FULLER", "Brian", "28/08/2006"),
]


@pytest.fixture
def people(db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]) -> Engine:
    rows = [custody_row("PF", n, *person) for n, person in enumerate(PEOPLE)]
    return searchable_custody(db, settings, tmp_path, rows, canary_model)


@pytest.mark.parametrize(
    ("typed", "wanted"),
    [
        ("mc donald", "Diane McDonald"),
        ("mc-donald", "Diane McDonald"),
        ("diane mc donald", "Diane McDonald"),
        ("o brien", "Kathleen O'Brien"),
        ("van der berg", "Pieter Vanderberg"),
        ("mac edwards", "Mac Edwards"),
    ],
)
def test_a_prefix_typed_apart_finds_the_surname_held_whole(
    people: Engine, settings: Settings, typed: str, wanted: str
) -> None:
    viewer = viewer_for(people, "home-analyst", "investigation", None)
    page = search(people, settings, viewer, typed, kind="person")
    scores = {result.display_name: result.score for result in page.results}
    # As good an answer as any: those holding the words apart as typed (Mc Donald, Oliver
    # Brien as `O. Brien`) are too, and come first among equals for being literal.
    assert scores.get(wanted) == 1.0, scores
    if typed == "mc donald":
        assert scores.get("Mc Donald") == 1.0, scores
    if typed == "diane mc donald":
        assert next(iter(scores)) == wanted, scores


def test_a_prefix_joined_is_a_surname_not_a_forename_a_letter_away(
    people: Engine, settings: Settings
) -> None:
    # OBRIAN is Brian with a letter more: as a name of any kind, Brian Fuller came first.
    viewer = viewer_for(people, "home-analyst", "investigation", None)
    page = search(people, settings, viewer, "o brian", kind="person")
    names = [result.display_name for result in page.results]
    assert "Kathleen O'Brien" in names, names
    assert "Brian Fuller" not in names, names
