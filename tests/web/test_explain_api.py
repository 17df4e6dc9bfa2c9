"""`POST /api/v1/explain` over the canary county: every demo user, with and without a
justification — 200 only when both records are visible, 404 alike for invisible and unknown
records, names only in the body, the error envelope, and no canary in the application's logs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.canary import USERS, Seeded, api_headers, canary, canary_model
from tests.explanations import PAIRS, canaries, visible_records
from tests.web.logged_client import Collected, client, logs

__all__ = ["canary", "canary_model", "client", "logs"]
pytestmark = pytest.mark.xdist_group("canary-explain-api")


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_explain_route_answers_each_user_only_for_records_they_may_see(
    client: TestClient, canary: Seeded, user: str, justified: bool
) -> None:
    visible = visible_records(canary, user, justified)
    for pair in PAIRS:
        response = client.post(
            "/api/v1/explain",
            json={"records": list(pair)},
            headers=api_headers(canary, user, justified),
        )
        assert canaries(response.text) <= canaries(" ".join(pair)), (pair, response.text)
        assert response.headers["cache-control"] == "no-store"
        if set(pair) <= visible:
            assert response.status_code == 200, (pair, response.text)
            assert [r["record"] for r in response.json()["records"]] == list(pair)
        else:
            assert response.status_code == 404, (pair, response.text)


def test_invisible_and_unknown_records_get_the_same_404(client: TestClient, canary: Seeded) -> None:
    answers = []
    for hidden in ("probation:X123456", "probation:X999999"):
        response = client.post(
            "/api/v1/explain",
            json={"records": ["custody:CU-000901", hidden]},
            headers=api_headers(canary, "fire-caseworker"),
        )
        answers.append((response.status_code, response.text.replace(hidden, "<record>")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404


@pytest.mark.parametrize(
    "body",
    [{"records": ["custody:CU-000901"]}, {"records": ["custody:CU-000901", "CU-000901"]}, {}],
    ids=["one-record", "malformed", "empty"],
)
def test_bad_input_is_a_422_envelope(
    client: TestClient, canary: Seeded, body: dict[str, object]
) -> None:
    response = client.post(
        "/api/v1/explain", json=body, headers=api_headers(canary, "home-officer")
    )
    assert response.status_code == 422, response.text
    assert response.json()["ok"] is False
    assert response.json()["errors"], response.text


def test_a_missing_purpose_or_token_is_refused(client: TestClient, canary: Seeded) -> None:
    body = {"records": ["custody:CU-000901", "courts:D-000901"]}
    assert client.post("/api/v1/explain", json=body).status_code == 401
    token = {"Authorization": f"Bearer {canary.tokens['home-officer']}"}
    assert client.post("/api/v1/explain", json=body, headers=token).status_code == 422


def test_no_canary_reached_the_application_logs(
    client: TestClient, canary: Seeded, logs: Collected
) -> None:
    client.post(
        "/api/v1/explain",
        json={"records": ["custody:CU-000901", "probation:X123456"]},
        headers=api_headers(canary, "home-analyst", justified=True),
    )
    leaked = [line for line in logs.lines if canaries(line) - {"x123456"}]
    assert leaked == []
