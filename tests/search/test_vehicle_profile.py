"""The vehicle view as a service: facts with their records, the people and events linked to
it from visible records only, the same 404 for an invisible and an unknown vehicle, and the
audit entry each call writes."""

from __future__ import annotations

import pytest

from polestar import audit
from polestar.access import viewer_for
from polestar.errors import NotFound
from polestar.search.vehicle_profile import VehicleView, vehicle_view
from tests.canary import ACTOR, JUSTIFICATION, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]


def _view(
    canary: Seeded, user: str, purpose: str, entity_id: str, justification: str | None = None
) -> VehicleView:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    return vehicle_view(canary.engine, canary.settings, viewer, entity_id)


def test_the_car_shows_its_facts_people_and_events_from_visible_records(
    canary: Seeded,
) -> None:
    officer = _view(canary, "home-officer", "investigation", canary.vehicle)
    assert officer.display_name == "ZQ11VEH"
    assert [(f.value, f.sources) for f in officer.facts["make"]] == [
        ("Ford", ("crime:CR-25-000901/vehicles/0",))
    ]
    assert [(p["entity_id"], p["roles"]) for p in officer.people] == [(canary.target, ["uses"])]
    assert officer.events is not None
    assert [(e["event"], e["roles"]) for e in officer.events.items] == [
        ("crime:CR-25-000901", ["involved"])
    ]
    analyst = _view(canary, "home-analyst", "investigation", canary.vehicle, JUSTIFICATION)
    assert {p["entity_id"] for p in analyst.people} == {canary.target, canary.associate}
    assert analyst.records == ["crime:CR-25-000901/vehicles/0", "crime:IN-26-000903/vehicles/0"]
    assert analyst.source_counts == {"crime": 2}
    assert analyst.last_seen is not None
    assert analyst.last_seen.startswith("2026-")
    assert [p["record"] for p in analyst.provenance] == analyst.records


@pytest.mark.parametrize(
    ("user", "purpose"),
    [
        ("probation-caseworker", "offender-management"),
        ("fire-caseworker", "fire-safety"),
        ("courts-caseworker", "court-listing"),
        ("neighbour-officer", "wanted-check"),
    ],
)
def test_an_invisible_vehicle_and_an_unknown_one_get_the_same_not_found(
    canary: Seeded, user: str, purpose: str
) -> None:
    messages = []
    for entity_id in (canary.vehicle, "VEH-99999999", canary.target):
        with pytest.raises(NotFound) as raised:
            _view(canary, user, purpose, entity_id)
        messages.append(raised.value.message.replace(entity_id, "ID"))
    assert len(set(messages)) == 1, messages
    found = audit.by_user(canary.engine, user, reader=audit.Actor(ACTOR), settings=canary.settings)[
        -1
    ]
    assert (found.entry.action, found.entry.outcome) == ("vehicle.show", "denied")


def test_a_lookup_records_the_vehicle_its_people_and_the_records_shown(canary: Seeded) -> None:
    view = _view(canary, "cps-caseworker", "prosecution", canary.vehicle)
    found = audit.by_user(
        canary.engine, "cps-caseworker", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    assert (found.entry.action, found.entry.outcome) == ("vehicle.show", "allowed")
    assert found.entry.entity_ids == (canary.vehicle, canary.target)
    assert set(view.records) | {"crime:CR-25-000901"} <= set(found.entry.record_ids)
