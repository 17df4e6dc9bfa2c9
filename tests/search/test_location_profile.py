"""The location view as a service: the address with its records, who lived there and when,
what happened there, the fire service's hazards — from visible records only — the same 404
for an invisible and an unknown place, and the audit entry each call writes."""

from __future__ import annotations

import pytest

from polestar import audit
from polestar.access import viewer_for
from polestar.errors import NotFound
from polestar.search.location_profile import LocationView, location_view
from polestar.store.entities import members
from tests.canary import ACTOR, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]


def _view(canary: Seeded, user: str, purpose: str, entity_id: str) -> LocationView:
    viewer = viewer_for(canary.engine, user, purpose)
    return location_view(canary.engine, canary.settings, viewer, entity_id)


def test_his_custody_home_shows_the_hazard_and_him_living_there(canary: Seeded) -> None:
    fire = _view(canary, "fire-caseworker", "fire-safety", canary.location)
    assert [(h.value, h.sources) for h in fire.hazards] == [
        ("oxygen", ("fire_premises:FP-000901",)),
        ("zqhazard gas cylinders", ("fire_premises:FP-000901",)),
    ]
    assert [i.value for i in fire.premises["risk_level"]] == ["high"]
    assert [(r["entity_id"], r["roles"]) for r in fire.residents] == [
        (canary.target, ["resides-at"])
    ]
    assert fire.records == ["custody:CU-000901", "fire_premises:FP-000901"]
    assert [p.value for p in fire.postcodes] == ["ST15 8AB"]
    officer = _view(canary, "home-officer", "investigation", canary.location)
    resident = officer.residents[0]
    assert (resident["from"], resident["to"]) == ("2025-03-14", "2025-03-14")
    assert resident["display_name"] == "Tobias Zqcustodymiddle Quillfeather"


def test_the_timeline_dates_his_home_by_his_arrest_for_those_who_may_see_the_arrest(
    canary: Seeded,
) -> None:
    """The custody record gives the place as his home: the officer, who sees the arrest, has
    the record at its time; the fire service, which does not, only at its arrival."""

    def dated(user: str, purpose: str) -> dict[str, tuple[str, str, str | None]]:
        view = _view(canary, user, purpose, canary.location)
        return {
            record: (entry["at"], entry["what"], entry["event_type"])
            for entry in view.timeline
            for record in entry["records"]
        }

    received = {
        item["record"]: item["ingested_at"]
        for item in _view(canary, "home-officer", "investigation", canary.location).provenance
    }
    officer = dated("home-officer", "investigation")
    assert officer["custody:CU-000901"] == ("2025-03-14T02:17:00+00:00", "mentioned", "custody")
    fire = dated("fire-caseworker", "fire-safety")
    assert fire["custody:CU-000901"] == (received["custody:CU-000901"], "record-received", None)


@pytest.mark.parametrize(
    ("user", "purpose"), [("home-officer", "investigation"), ("fire-caseworker", "fire-safety")]
)
def test_the_premises_register_is_dated_by_its_last_inspection_not_its_arrival(
    canary: Seeded, user: str, purpose: str
) -> None:
    view = _view(canary, user, purpose, canary.location)
    premises = [entry for entry in view.timeline if "fire_premises:FP-000901" in entry["records"]]
    assert [(entry["at"], entry["what"]) for entry in premises] == [("2025-01-15", "inspected")]


def test_a_scene_shows_what_happened_there(canary: Seeded) -> None:
    officer = viewer_for(canary.engine, "home-officer", "investigation")
    with canary.engine.connect() as conn:
        scene = {(s, k): e for s, k, e in members(conn, "location")}["crime", "CR-25-000901"]
    view = location_view(canary.engine, canary.settings, officer, scene)
    assert view.events is not None
    assert {e["event"] for e in view.events.items} >= {"crime:CR-25-000901"}
    assert all(e["roles"] == ["occurred-at"] for e in view.events.items)


@pytest.mark.parametrize(
    ("user", "purpose"),
    [
        ("cps-caseworker", "prosecution"),
        ("probation-caseworker", "offender-management"),
        ("courts-caseworker", "court-listing"),
        ("neighbour-officer", "wanted-check"),
    ],
)
def test_an_invisible_place_and_an_unknown_one_get_the_same_not_found(
    canary: Seeded, user: str, purpose: str
) -> None:
    messages = []
    for entity_id in (canary.location, "LOC-99999999", canary.vehicle):
        with pytest.raises(NotFound) as raised:
            _view(canary, user, purpose, entity_id)
        messages.append(raised.value.message.replace(entity_id, "ID"))
    assert len(set(messages)) == 1, messages
    found = audit.by_user(canary.engine, user, reader=audit.Actor(ACTOR), settings=canary.settings)[
        -1
    ]
    assert (found.entry.action, found.entry.outcome) == ("location.show", "denied")


def test_a_lookup_records_the_place_its_residents_and_the_records_shown(
    canary: Seeded,
) -> None:
    view = _view(canary, "fire-caseworker", "fire-safety", canary.location)
    found = audit.by_user(
        canary.engine, "fire-caseworker", reader=audit.Actor(ACTOR), settings=canary.settings
    )[-1]
    assert (found.entry.action, found.entry.outcome) == ("location.show", "allowed")
    assert found.entry.entity_ids == (canary.location, canary.target)
    assert set(view.records) <= set(found.entry.record_ids)
