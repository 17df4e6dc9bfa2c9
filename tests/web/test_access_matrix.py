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
