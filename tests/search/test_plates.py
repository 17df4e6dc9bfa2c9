"""A plate typed or read with one slip finds the vehicle, below one typed right; a partial
plate with the make, model or colour, or those alone, find it too; and only for those who may
see it (issue 6: partial plates)."""

from __future__ import annotations

import pytest

from polestar.access import viewer_for
from polestar.search import SearchPage, search
from polestar.search.keys import plate_slips
from tests.canary import PURPOSES, Seeded, canary, canary_model, expected_vehicle
from tests.search.indexed import indexed

__all__ = ["canary", "canary_model", "indexed"]


def _search(canary: Seeded, user: str, typed: str) -> SearchPage:
    viewer = viewer_for(canary.engine, user, PURPOSES[user], None)
    return search(canary.engine, canary.settings, viewer, typed, kind="vehicle")


def test_slips_are_one_keystroke_from_the_fragment() -> None:
    slips = plate_slips("ZQ11VEK")
    assert {"ZQ11VEH", "ZQ1VEK", "ZQ11VXEK", "QZ11VEK"} - slips == set()
    assert "ZQ11VEK" not in slips
    assert "ZQ1VEH" not in slips  # two slips


@pytest.mark.parametrize("typed", ["ZQ11 VEK", "ZQl1 VEH", "ZQ1 VEH", "ZQ11 EVH"])
def test_a_plate_one_slip_away_finds_the_vehicle_below_one_typed_right(
    canary: Seeded, typed: str
) -> None:
    right = _search(canary, "home-officer", "ZQ11 VEH").results
    slipped = _search(canary, "home-officer", typed).results
    assert [r.entity_id for r in right] == [r.entity_id for r in slipped] == [canary.vehicle]
    assert 0.6 <= slipped[0].score < right[0].score == 1.0


@pytest.mark.parametrize("user", ["home-officer", "cps-caseworker", "fire-caseworker"])
def test_a_slipped_plate_finds_only_what_the_user_may_see(canary: Seeded, user: str) -> None:
    found = [r.entity_id for r in _search(canary, user, "ZQ11 VEK").results]
    assert found == ([canary.vehicle] if expected_vehicle(user, False) else [])


@pytest.mark.parametrize("typed", ["ford ZQ1", "ZQ1 blue ford", "blue ford focus", "ford focus"])
def test_a_plate_in_part_with_its_make_or_colour_or_those_alone_find_the_car(
    canary: Seeded, typed: str
) -> None:
    found = _search(canary, "home-officer", typed).results
    assert [r.entity_id for r in found] == [canary.vehicle], found


def test_a_description_typed_with_slips_finds_the_car_below_one_typed_right(
    canary: Seeded,
) -> None:
    right = _search(canary, "home-officer", "blue ford focus").results
    slipped = _search(canary, "home-officer", "blu frod focsu").results
    assert [r.entity_id for r in slipped] == [r.entity_id for r in right] == [canary.vehicle]
    assert slipped[0].score < right[0].score == 1.0


@pytest.mark.parametrize("typed", ["ZQ1 red ford", "ford fiesta"])
def test_a_description_the_car_does_not_fit_does_not_find_it(canary: Seeded, typed: str) -> None:
    assert _search(canary, "home-officer", typed).results == []


@pytest.mark.parametrize("user", ["home-officer", "cps-caseworker", "fire-caseworker"])
def test_a_described_car_is_found_only_by_those_who_may_see_it(canary: Seeded, user: str) -> None:
    found = [r.entity_id for r in _search(canary, user, "blue ford focus").results]
    assert found == ([canary.vehicle] if expected_vehicle(user, False) else [])


@pytest.mark.parametrize("typed", ["ZQ11 ?EH", "zq?1 veh", "ZQ11*", "*VEH", "ZQ?? VEH"])
def test_a_plate_with_characters_unseen_finds_the_vehicle_below_one_typed_right(
    canary: Seeded, typed: str
) -> None:
    right = _search(canary, "home-officer", "ZQ11 VEH").results
    found = _search(canary, "home-officer", typed).results
    assert [r.entity_id for r in found] == [canary.vehicle], found
    assert 0.6 <= found[0].score < right[0].score == 1.0


@pytest.mark.parametrize("typed", ["ZQ11 ?EK", "ZQ?? VEK", "Q11*VEHX"])
def test_a_plate_with_characters_unseen_the_car_does_not_fit_does_not_find_it(
    canary: Seeded, typed: str
) -> None:
    assert _search(canary, "home-officer", typed).results == []


@pytest.mark.parametrize("user", ["home-officer", "cps-caseworker", "fire-caseworker"])
def test_a_plate_with_characters_unseen_finds_only_what_the_user_may_see(
    canary: Seeded, user: str
) -> None:
    found = [r.entity_id for r in _search(canary, user, "ZQ11 ?EH").results]
    assert found == ([canary.vehicle] if expected_vehicle(user, False) else [])
