"""A place typed as people type it finds that place first — end to end, through the store,
the index, the candidates and the ranking (issue 6).

A postcode in parts (`Query.postcode_parts`): `ST16` (Stafford's district) and `ST1 6` (a
sector of Stoke's ST1) both compact to `ST16`, the prefix of every compact postcode in either.
Each store holds more addresses of the one than a search reads as candidates, ingested first
so that their lower ids fill the candidates, then five of the other: typed, the other must
come first. And a street without a house number, which reads as names too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.search import Result, results, search
from polestar.search.results import CANDIDATES
from polestar.settings import Settings
from tests.canary import canary_model
from tests.search.linked import custody_row, searchable_custody

__all__ = ["canary_model"]

LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # those an inward code holds
MANY = CANDIDATES + 5
SECTOR = [f"ST1 6{a}{b}" for a in LETTERS for b in LETTERS][:MANY]
DISTRICT = [f"ST16 {digit}{a}{b}" for digit in "1239" for a in LETTERS for b in "AB"][:MANY]


def _name(number: int) -> str:
    return "".join(LETTERS[int(digit)] for digit in f"{number:03d}").title()


def _row(number: int, postcode: str, address: str | None = None) -> str:
    home = address or f"{number} Mill Lane, Stone"
    surname = f"HOLMES{_name(number).upper()}"
    return custody_row(
        "PC", number, surname, "Thomas", "01/03/1980", address=home, postcode=postcode
    )


@pytest.fixture
def stored(
    db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]
) -> Callable[[list[str], list[str]], Engine]:
    def store(first: list[str], then: list[str]) -> Engine:
        rows = [_row(number, pc) for number, pc in enumerate([*first, *then], start=1)]
        return searchable_custody(db, settings, tmp_path, rows, canary_model)

    return store


@pytest.fixture
def stored_at(
    db: Engine, settings: Settings, tmp_path: Path, canary_model: dict[str, Any]
) -> Callable[[list[str]], Engine]:
    """A store of one person at each of these addresses, in order: the first hold the lower
    ids, which fill a search's candidates among equals."""

    def store(addresses: list[str]) -> Engine:
        rows = [_row(n, "ST15 8AA", address) for n, address in enumerate(addresses, start=1)]
        return searchable_custody(db, settings, tmp_path, rows, canary_model)

    return store


def _search(engine: Engine, settings: Settings, typed: str, **options: Any) -> list[Result]:
    viewer = viewer_for(engine, "home-analyst", "investigation", None)
    return search(engine, settings, viewer, typed, **options).results


def _postcodes(engine: Engine, settings: Settings, typed: str) -> list[str]:
    found = _search(engine, settings, typed, kind="location", limit=100)
    return [result.display_name.rsplit(", ", 1)[-1] for result in found]


@pytest.mark.parametrize(
    ("first", "then", "typed"),
    [(SECTOR, DISTRICT[:5], "st16"), (DISTRICT, SECTOR[:5], "ST1 6")],
    ids=["a district typed whole", "a sector typed with its space"],
)
def test_a_district_or_sector_typed_finds_its_own_addresses_first(
    stored: Callable[[list[str], list[str]], Engine],
    settings: Settings,
    first: list[str],
    then: list[str],
    typed: str,
) -> None:
    # Ingested after more of the other place than a search reads as candidates.
    found = _postcodes(stored(first, then), settings, typed)
    assert sorted(found[:5]) == sorted(then), found


def test_a_street_typed_without_a_number_finds_its_addresses(
    stored: Callable[[list[str], list[str]], Engine], settings: Settings
) -> None:
    engine = stored(SECTOR[:5], DISTRICT[:5])  # every row lives at `<n> Mill Lane, Stone`
    found = _search(engine, settings, "mill lane stone", limit=20)
    places = [result for result in found if result.kind == "location"]
    assert found[0].kind == "location", found
    assert len(places) == 10
    assert all("Mill Lane" in place.display_name for place in places), places


@pytest.mark.parametrize("typed", ["6 Mill Lane ST16 1AX", "6 mill lane st16", "6 Mill Lane, ST16"])
def test_an_address_with_its_district_or_a_postcode_one_letter_out_finds_it(
    stored: Callable[[list[str], list[str]], Engine], settings: Settings, typed: str
) -> None:
    # Number 6 lives at ST16 1AA. A district after an address read as a word, and a postcode
    # nobody holds, each found nothing.
    found = _search(stored(SECTOR[:5], DISTRICT[:5]), settings, typed, kind="location")
    assert [r.display_name for r in found[:1]] == ["6 Mill Lane, Stone, ST16 1AA"]


def test_a_postcode_one_letter_out_finds_its_neighbours_below_a_postcode_typed_right(
    stored: Callable[[list[str], list[str]], Engine], settings: Settings
) -> None:
    engine = stored(SECTOR[:5], DISTRICT[:5])
    assert sorted(_postcodes(engine, settings, "ST16 1AX")) == ["ST16 1AA", "ST16 1AB"]
    near = _search(engine, settings, "ST16 1AX", kind="location")
    right = _search(engine, settings, "ST16 1AA", kind="location")
    assert right[0].score == 1.0 > near[0].score >= 0.6


@pytest.mark.parametrize(
    ("typed", "score"), [("6 Mill Ln", 1.0), ("6 MILL LN STONE", 1.0), ("6 Mil Lane", 0.93)]
)
def test_an_address_with_its_street_type_abbreviated_or_a_word_mistyped_finds_it(
    stored: Callable[[list[str], list[str]], Engine], settings: Settings, typed: str, score: float
) -> None:
    # Every row lives at `<n> Mill Lane, Stone`. `Ln` for Lane counted as a word the address
    # lacked (0.67); a mistyped word, found only among places missing one word, counts as most
    # of one.
    found = _search(stored(SECTOR[:5], DISTRICT[:5]), settings, typed, kind="location")
    assert found[0].display_name.startswith("6 Mill Lane, Stone"), found
    assert found[0].score == pytest.approx(score, abs=0.01)
    assert all(result.score < found[0].score for result in found[1:])


def test_a_street_mistyped_finds_it_among_more_places_of_its_number_than_are_read(
    stored_at: Callable[[list[str]], Engine], settings: Settings
) -> None:
    # More places at a 6 of some Lane than a search reads, stored first, then 6 Whittington
    # Lane. The mistyped street named no address: the search read the first of those holding
    # the other two words (`6`, `LANE`), and Whittington Lane was not among them.
    engine = stored_at([*(f"6 {_name(n)} Lane, Stone" for n in range(MANY)), "6 Whittington Lane"])
    found = _search(engine, settings, "6 Whitington Lane", kind="location")
    assert found[0].display_name.startswith("6 Whittington Lane"), found
    assert all(result.score < found[0].score for result in found[1:])


def test_an_address_no_place_holds_whole_finds_the_street_among_more_near_misses_than_are_read(
    stored_at: Callable[[list[str]], Engine], settings: Settings
) -> None:
    # Duke Lane has no 10. More places at a 10 of some Lane than a search reads, stored first,
    # each missing one word typed as Duke Lane does: the search read the first of all those
    # missing one word, and Duke Lane was not among them.
    engine = stored_at([*(f"10 {_name(n)} Lane, Stone" for n in range(MANY)), "12 Duke Lane"])
    found = _search(engine, settings, "10 Duke Lane", kind="location", limit=100)
    assert any(result.display_name.startswith("12 Duke Lane") for result in found), found


def test_a_surname_with_a_town_finds_the_one_living_there_among_more_namesakes_than_are_read(
    db: Engine,
    settings: Settings,
    tmp_path: Path,
    canary_model: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # More Coopers in Stafford than a search reads as a name's candidates, stored first, then
    # one in Codsall; and more than a town reads the addresses of (500 at 1M, 10 here). The
    # Codsall Cooper was not among the candidates, so not found living there: at 1M
    # `cooper codsall` showed 3 of the 14 Coopers of Codsall.
    monkeypatch.setattr(results, "_TOWN_NAMED_MOST", 10)
    homes = [*[("Stafford", "ST16 2DJ")] * MANY, ("Codsall", "WV8 1AA")]
    rows = [
        custody_row(
            "TN",
            n,
            "COOPER",
            _name(n),
            "01/03/1980",
            address=f"{n} Park Road, {town}",
            postcode=postcode,
        )
        for n, (town, postcode) in enumerate(homes, start=1)
    ]
    engine = searchable_custody(db, settings, tmp_path, rows, canary_model)
    found = _search(engine, settings, "cooper codsall", kind="person", limit=100)
    assert found[0].place == "Codsall", found[:3]
    assert found[0].score > found[1].score
