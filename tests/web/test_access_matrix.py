"""The canary access matrix over the API (issue 4): every route × every demo user (every role
of the home force, every partner organisation), with and without a justification, over the
canary county. Asserts on raw bodies: exactly the canaries each agreement allows arrive, no
other; then that no canary reached the application's logs.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.canary import (
    CRN,
    INTEL_KEY,
    JUSTIFICATION,
    PERSONS,
    USERS,
    Seeded,
    api_headers,
    canaries_in,
    canary,
    canary_model,
    expected,
    expected_location,
    expected_vehicle,
)
from tests.web.logged_client import Collected, client, logs

__all__ = ["canary", "canary_model", "client", "logs"]
# One worker runs the module in order, so the log check sees the whole matrix.
pytestmark = pytest.mark.xdist_group("canary-api-matrix")
AUDIT_READERS = {"home-dpo", "home-admin"}


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_person_route_shows_each_user_exactly_what_their_agreement_allows(
    client: TestClient, canary: Seeded, user: str, justified: bool
) -> None:
    for person in PERSONS:
        response = client.get(
            f"/api/v1/persons/{canary.entity(person)}", headers=api_headers(canary, user, justified)
        )
        allowed = expected(user, person, justified)
        if allowed is None:
            assert response.status_code == 404, (person, response.text)
            assert canaries_in(response.text) == set(), (person, response.text)
        else:
            assert response.status_code == 200, (person, response.text)
            assert canaries_in(response.text) == allowed, (person, response.text)
            assert response.json()["entity_id"] == canary.entity(person)
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_vehicle_and_location_routes_show_each_user_exactly_what_their_agreement_allows(
    client: TestClient, canary: Seeded, user: str, justified: bool
) -> None:
    for path, allowed in (
        (f"/api/v1/vehicles/{canary.vehicle}", expected_vehicle(user, justified)),
        (f"/api/v1/locations/{canary.location}", expected_location(user, justified)),
    ):
        response = client.get(path, headers=api_headers(canary, user, justified))
        if allowed is None:
            assert response.status_code == 404, (path, response.text)
            assert canaries_in(response.text) == set(), (path, response.text)
        else:
            assert response.status_code == 200, (path, response.text)
            assert canaries_in(response.text) == allowed, (path, response.text)
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("user", USERS)
def test_audit_routes_answer_only_the_dpo_and_administrators(
    client: TestClient, canary: Seeded, user: str
) -> None:
    headers = {"Authorization": f"Bearer {canary.tokens[user]}"}
    for path in (
        f"/api/v1/audit/who-viewed/{canary.target}",
        f"/api/v1/audit/by-user/{user}",
        "/api/v1/audit/heavy-users",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == (200 if user in AUDIT_READERS else 403), response.text
        # The log holds identifiers and metadata: record ids (a CRN is probation's record
        # key), never names, addresses or anything else a record holds.
        assert canaries_in(response.text) <= {INTEL_KEY, CRN}, (path, response.text)
        assert response.headers["cache-control"] == "no-store"


def test_the_dpo_sees_each_partner_lookup_with_its_purpose(
    client: TestClient, canary: Seeded
) -> None:
    for user in ("fire-caseworker", "cps-caseworker", "probation-caseworker"):
        response = client.get(
            f"/api/v1/persons/{canary.target}", headers=api_headers(canary, user, False)
        )
        assert response.status_code == 200, response.text
    response = client.get(
        f"/api/v1/audit/who-viewed/{canary.target}",
        headers={"Authorization": f"Bearer {canary.tokens['home-dpo']}"},
    )
    entries = response.json()["entries"]
    seen = {(e["actor"], e["organisation"], e["purpose"], e["seen"]) for e in entries}
    assert {
        ("fire-caseworker", "fire", "fire-safety", "opened"),
        ("cps-caseworker", "cps", "prosecution", "opened"),
        ("probation-caseworker", "probation", "offender-management", "opened"),
    } <= seen, entries
    justified = [e for e in entries if e["justification"] == JUSTIFICATION]
    assert justified, "justifications are shown to the DPO from their payloads"


def test_no_canary_reached_the_application_logs(
    client: TestClient, canary: Seeded, logs: Collected
) -> None:
    # The matrix above ran in this worker first (xdist_group).
    client.get(f"/api/v1/persons/{canary.target}?name=zqcustodymiddle")
    leaked = [line for line in logs.lines if canaries_in(line)]
    assert leaked == []


INTEL_RECORD = "crime:IN-26-000903"


def _anywhere(user: str, justified: bool) -> frozenset[str]:
    """Every canary some profile shows `user`: a network, path or map may show no other."""
    found: set[str] = set()
    for allowed in (
        *(expected(user, person, justified) for person in PERSONS),
        expected_vehicle(user, justified),
        expected_location(user, justified),
    ):
        found |= allowed or set()
    return frozenset(found)


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_network_paths_and_map_show_each_user_only_what_their_agreement_allows(
    client: TestClient, canary: Seeded, user: str, justified: bool
) -> None:
    headers = api_headers(canary, user, justified)
    allowed = _anywhere(user, justified)
    intelligence = INTEL_KEY in (expected(user, "target", justified) or set())
    hidden = {canary.entity(p) for p in PERSONS if expected(user, p, justified) is None}
    for path, params in (
        (f"/api/v1/network/{canary.target}", {"hops": 3}),
        (f"/api/v1/paths/{canary.caller}/{canary.target}", {}),
        (f"/api/v1/map/events/{canary.target}", {}),
    ):
        response = client.get(path, params=params, headers=headers)
        assert response.headers["cache-control"] == "no-store"
        if expected(user, "target", justified) is None:
            assert response.status_code == 404, (path, response.text)
            assert canaries_in(response.text) == set(), (path, response.text)
            continue
        if response.status_code == 404:  # the caller, hidden from this user
            assert "paths" in path, response.text
            continue
        assert response.status_code == 200, (path, response.text)
        assert canaries_in(response.text) <= allowed, (path, response.text)
        # The intelligence log ties him to his associate and is a point on his map, for those
        # who may see it; a chain from the caller never needs it.
        shown = INTEL_RECORD in response.text
        assert shown == intelligence if "paths" not in path else not shown or intelligence
        assert not any(entity in response.text for entity in hidden), (path, response.text)


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_hotspots_count_only_the_crimes_each_user_may_place(
    client: TestClient, canary: Seeded, user: str, justified: bool
) -> None:
    headers = api_headers(canary, user, justified)
    counts = client.get(
        "/api/v1/map/hotspots", params={"month": "2025-01", "to_month": "2025-12"}, headers=headers
    )
    assert counts.status_code == 200, counts.text
    area = client.post(
        "/api/v1/map/area",
        json={"south": 52.85, "west": -2.25, "north": 52.95, "east": -2.1, "until": "2025-12-31"},
        headers=headers,
    )
    assert area.status_code == 200, area.text
    crimes = [p for p in area.json()["points"] if p["event_type"] == "crime"]
    assert counts.json()["total"] == len(crimes), (counts.text, area.text)
    if not user.startswith("home-"):
        assert counts.json()["total"] == 0, counts.text
    assert canaries_in(counts.text + area.text) <= _anywhere(user, justified)
