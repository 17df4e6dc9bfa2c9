"""Associates and their reasons, over the canary county: each organisation's list is built
only from the records it may see (an associate known only from an invisible record does not
appear, nor its reason)."""

from __future__ import annotations

from typing import Any

from polestar.access import viewer_for
from polestar.search.profile import person_view
from tests.canary import JUSTIFICATION, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]


def _associates(
    canary: Seeded, user: str, purpose: str, justification: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    viewer = viewer_for(canary.engine, user, purpose, justification)
    view = person_view(canary.engine, canary.settings, viewer, canary.target)
    return {a["entity_id"]: a["reasons"] for a in view.associates}


def test_an_officer_sees_the_caller_who_gave_his_phone_number(canary: Seeded) -> None:
    found = _associates(canary, "home-officer", "investigation")
    assert found == {
        canary.caller: [{"reason": "shared-phone", "via": "+447700900901", "roles": []}]
    }


def test_with_a_justification_an_officer_also_sees_the_child_witness(canary: Seeded) -> None:
    found = _associates(canary, "home-officer", "investigation", JUSTIFICATION)
    assert found[canary.child] == [
        {"reason": "co-involved", "via": "crime:CR-25-000901", "roles": ["suspect", "witness"]}
    ]
    assert set(found) == {canary.caller, canary.child}


def test_an_analyst_sees_the_intelligence_associate_with_every_reason(canary: Seeded) -> None:
    found = _associates(canary, "home-analyst", "investigation", JUSTIFICATION)
    assert found[canary.associate] == [
        {"reason": "co-involved", "via": "crime:IN-26-000903", "roles": ["subject", "subject"]},
        {"reason": "shared-vehicle", "via": canary.vehicle, "roles": []},
    ]
    assert found[canary.victim] == [
        {"reason": "co-involved", "via": "crime:CR-25-000902", "roles": ["suspect", "victim"]}
    ]
    assert set(found) == {canary.associate, canary.victim, canary.child, canary.caller}


def test_partners_see_no_associate_they_could_only_know_from_hidden_records(
    canary: Seeded,
) -> None:
    for user, purpose in (
        ("cps-caseworker", "prosecution"),
        ("probation-caseworker", "offender-management"),
        ("fire-caseworker", "fire-safety"),
        ("neighbour-officer", "wanted-check"),
        ("courts-caseworker", "court-listing"),
    ):
        assert _associates(canary, user, purpose) == {}, user
        assert _associates(canary, user, purpose, JUSTIFICATION) == {}, user


def test_an_associate_sees_him_back_for_the_same_reasons(canary: Seeded) -> None:
    viewer = viewer_for(canary.engine, "home-analyst", "investigation", JUSTIFICATION)
    view = person_view(canary.engine, canary.settings, viewer, canary.associate)
    back = {a["entity_id"]: a["reasons"] for a in view.associates}
    assert [r["reason"] for r in back[canary.target]] == ["co-involved", "shared-vehicle"]


def test_the_total_counts_every_associate_the_list_ranks(canary: Seeded) -> None:
    viewer = viewer_for(canary.engine, "home-analyst", "investigation", JUSTIFICATION)
    view = person_view(canary.engine, canary.settings, viewer, canary.target)
    assert view.associates_total == len(view.associates) == 4
    reasons = [len(a["reasons"]) for a in view.associates]
    assert reasons == sorted(reasons, reverse=True)
    assert view.associates[0]["entity_id"] == canary.associate  # two reasons
