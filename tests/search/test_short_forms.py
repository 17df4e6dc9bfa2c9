"""British short forms the `nicknames` package lacks find the person by their formal name, end
to end (issue 6): on the demo `izzy magalhaes` found nobody at all. And a short form typed with
a surname one slip out finds the formal form's holders too: at 1M people `Liz Beryr` found
a Liz Berry and not the Lisa Berry it was typed for."""

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
    ("MAGALHAES", "Isabel", "04/10/1947"),
    ("MAGALHAES", "Fio", "17/04/1970"),
    ("HART", "Melanie", "01/02/1980"),
    ("HART", "Melvin", "03/04/1975"),
    ("REID", "Christine", "09/10/1985"),
    ("REID", "Kirk", "11/12/1983"),
    ("BELL", "Deborah", "13/01/1966"),
    ("BELL", "Denise", "15/02/1968"),
    ("BERRY", "Liz", "17/03/1990"),
    ("BERRY", "Lisa", "19/04/1991"),
]


@pytest.fixture
def people(db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]) -> Engine:
    rows = [custody_row("SF", n, *person, sex="F") for n, person in enumerate(PEOPLE)]
    return searchable_custody(db, settings, tmp_path, rows, canary_model)


@pytest.mark.parametrize(
    ("typed", "wanted"),
    [
        ("izzy magalhaes", "Isabel Magalhaes"),
        ("mel hart", "Melanie Hart"),
        ("kirsty reid", "Christine Reid"),
        ("debs bell", "Deborah Bell"),
    ],
)
def test_a_british_short_form_finds_the_formal_name_first(
    people: Engine, settings: Settings, typed: str, wanted: str
) -> None:
    viewer = viewer_for(people, "home-analyst", "investigation", None)
    page = search(people, settings, viewer, typed, kind="person")
    scores = {result.display_name: result.score for result in page.results}
    assert next(iter(scores), None) == wanted, scores
    assert scores[wanted] >= 0.95, scores


def test_a_short_form_with_a_surname_one_slip_out_finds_its_formal_forms_too(
    people: Engine, settings: Settings
) -> None:
    viewer = viewer_for(people, "home-analyst", "investigation", None)
    page = search(people, settings, viewer, "Liz Beryr", kind="person")
    scores = {result.display_name: result.score for result in page.results}
    assert list(scores)[:2] == ["Liz Berry", "Lisa Berry"], scores
    assert scores["Lisa Berry"] >= 0.95, scores
