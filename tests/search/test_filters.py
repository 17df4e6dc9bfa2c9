"""Search filters on the canary county: by source and by date-of-birth range, judged on the
records and fields each viewer may see, before paging, and named in the audit entry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from polestar import audit
from polestar.access import viewer_for
from polestar.errors import InvalidInput
from polestar.search import SearchPage, search
from polestar.search.filters import Filters
from tests.canary import ACTOR, PURPOSES, Seeded, canary, canary_model
from tests.search.indexed import indexed

__all__ = ["canary", "canary_model", "indexed"]


def _search(canary: Seeded, user: str, text: str, **filters: Any) -> SearchPage:
    viewer = viewer_for(canary.engine, user, PURPOSES[user], None)
    return search(canary.engine, canary.settings, viewer, text, filters=Filters(**filters))


def _ids(page: SearchPage) -> list[str]:
    return [result.entity_id for result in page.results]


def test_a_source_filter_keeps_entities_with_a_visible_record_there(canary: Seeded) -> None:
    assert canary.target in _ids(_search(canary, "home-officer", "Quillfeather"))
    probation = _search(canary, "home-officer", "Quillfeather", sources=frozenset({"probation"}))
    assert _ids(probation) == [canary.target]
    assert probation.total == 1
    fire = _search(canary, "home-officer", "Quillfeather", sources=frozenset({"fire_premises"}))
    assert _ids(fire) == []
    assert fire.total == 0


def test_a_source_the_viewer_may_see_nothing_from_is_a_clear_422(canary: Seeded) -> None:
    # The fire service sees him through custody and crime, never his probation record.
    assert canary.target in _ids(_search(canary, "fire-caseworker", "Tobias Quillfeather"))
    only_probation = frozenset({"probation"})
    with pytest.raises(InvalidInput) as refused:
        _search(canary, "fire-caseworker", "Tobias Quillfeather", sources=only_probation)
    assert "no source system probation among those you may see" in str(refused.value)
    (error,) = refused.value.errors
    assert error.field == "sources"
    assert "custody" in error.message
    assert "probation" not in error.message


def test_a_source_the_store_does_not_hold_is_a_clear_422(canary: Seeded) -> None:
    with pytest.raises(InvalidInput) as refused:
        _search(canary, "home-officer", "Quillfeather", sources=frozenset({"probaton"}))
    (error,) = refused.value.errors
    assert "no source system probaton" in str(refused.value)
    assert {"crime", "custody", "probation", "fire_premises"} <= set(
        error.message.removeprefix("one of: ").split(", ")
    )
    refusals = audit.by_user(
        canary.engine, "home-officer", reader=audit.Actor(ACTOR), settings=canary.settings
    )
    assert refusals[-1].entry.outcome == "denied"


@pytest.mark.parametrize(
    ("born_from", "born_to", "found"),
    [
        (date(1980, 1, 1), date(1980, 12, 31), True),
        (date(1980, 3, 1), date(1980, 3, 1), True),
        (None, date(1979, 12, 31), False),
        (date(1980, 3, 2), None, False),
    ],
)
def test_a_birth_range_keeps_people_born_within_it(
    canary: Seeded, born_from: date | None, born_to: date | None, found: bool
) -> None:
    page = _search(canary, "home-officer", "Quillfeather", born_from=born_from, born_to=born_to)
    assert (canary.target in _ids(page)) is found
    assert {result.kind for result in page.results} <= {"person"}


def test_a_birth_range_sees_only_dates_the_viewer_may_see(canary: Seeded) -> None:
    # Fire is not shown dates of birth: no range can find him for them, nor reveal his.
    page = _search(
        canary,
        "fire-caseworker",
        "Tobias Quillfeather",
        born_from=date(1900, 1, 1),
        born_to=date(2020, 1, 1),
    )
    assert _ids(page) == []


def test_a_reversed_range_is_a_clear_422() -> None:
    with pytest.raises(InvalidInput) as refused:
        Filters(born_from=date(1990, 1, 1), born_to=date(1980, 1, 1))
    assert refused.value.errors[0].field == "born_to"


def test_the_audit_entry_names_the_filters(canary: Seeded) -> None:
    _search(
        canary,
        "cps-caseworker",
        "quillfeather",
        sources=frozenset({"custody"}),
        born_from=date(1980, 1, 1),
    )
    found = audit.by_user(
        canary.engine, "cps-caseworker", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    assert found.entry.details["sources"] == ["custody"]
    assert found.entry.details["born_range"] is True
    assert found.query == "quillfeather [born 1980-01-01..]"
    assert "1980" not in str(found.entry.as_dict())
