"""`GET /api/v1/persons/{entity_id}`: the error envelope for 401, 403, 404 and 422, a denied
request's audit entry, and 404 worded alike for an invisible and a non-existent person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from polestar import audit
from polestar.access import create_token, revoke_token
from polestar.settings import Settings
from polestar.store.engine import Engine
from polestar.web.app import create_app
from tests.canary import ACTOR, SUPERVISION_START, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]
NOW = datetime.now(UTC)
DPO = audit.Actor("cli:test")


@pytest.fixture(scope="module")
def client(canary: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(canary.settings)) as client:
        yield client


def _bearer(token: str, purpose: str | None = "prosecution") -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if purpose is not None:
        headers["X-Polestar-Purpose"] = purpose
    return headers


def _envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert body == {"ok": False, "error": body["error"], "errors": body["errors"], "status": status}
    assert response.headers["cache-control"] == "no-store"
    return body


def _last(engine: Engine, settings: Settings, actor: str) -> audit.LogEntry:
    return audit.by_user(engine, actor, reader=DPO, settings=settings)[-1].entry


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic dXNlcjpwYXNz", "Bearer pst_000000000000_" + "x" * 43, "Bearer nonsense"],
    ids=["missing", "not-bearer", "unknown", "malformed"],
)
def test_a_request_without_a_valid_token_is_401_and_recorded(
    client: TestClient, canary: Seeded, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    _envelope(client.get(f"/api/v1/persons/{canary.target}", headers=headers), 401)
    entry = _last(canary.engine, canary.settings, "anonymous")
    assert (entry.action, entry.outcome, entry.details["status"]) == ("person.show", "denied", 401)


def test_an_expired_or_revoked_token_is_401(client: TestClient, canary: Seeded) -> None:
    old = NOW - timedelta(days=3)
    expired = create_token(
        canary.engine, "cps-caseworker", ["read"], old, 1, actor=ACTOR, settings=canary.settings
    ).token
    revoked = create_token(
        canary.engine, "cps-caseworker", ["read"], NOW, actor=ACTOR, settings=canary.settings
    )
    revoke_token(canary.engine, revoked.id, NOW, actor=ACTOR, settings=canary.settings)
    for token in (expired, revoked.token):
        body = _envelope(
            client.get(f"/api/v1/persons/{canary.target}", headers=_bearer(token)), 401
        )
        assert str(body["error"]).startswith(("token revoked", "token expired")), body


def test_a_token_without_the_read_scope_is_403_and_recorded(
    client: TestClient, canary: Seeded
) -> None:
    token = create_token(
        canary.engine, "cps-caseworker", ["review"], NOW, actor=ACTOR, settings=canary.settings
    ).token
    _envelope(client.get(f"/api/v1/persons/{canary.target}", headers=_bearer(token)), 403)
    entry = _last(canary.engine, canary.settings, "cps-caseworker")
    assert (entry.outcome, entry.organisation, entry.details["status"]) == ("denied", "cps", 403)


@pytest.mark.parametrize(
    "purpose", [None, "investigation", "curiosity"], ids=["missing", "not-agreed", "unknown"]
)
def test_a_missing_or_disallowed_purpose_is_422_and_recorded(
    client: TestClient, canary: Seeded, purpose: str | None
) -> None:
    headers = _bearer(canary.tokens["cps-caseworker"], purpose)
    body = _envelope(client.get(f"/api/v1/persons/{canary.target}", headers=headers), 422)
    assert body["errors"][0]["field"] == "purpose", body
    entry = _last(canary.engine, canary.settings, "cps-caseworker")
    assert (entry.outcome, entry.details["status"], entry.purpose) == (
        "denied",
        422,
        "investigation" if purpose == "investigation" else None,
    )


def test_an_invisible_person_and_a_missing_one_get_the_same_404(
    client: TestClient, canary: Seeded
) -> None:
    headers = _bearer(canary.tokens["cps-caseworker"])
    bodies = []
    for entity_id in (canary.victim, "PER-99999999", "nobody"):
        response = client.get(f"/api/v1/persons/{entity_id}", headers=headers)
        bodies.append(_envelope(response, 404)["error"].replace(entity_id, "ID"))
        entry = _last(canary.engine, canary.settings, "cps-caseworker")
        assert (entry.outcome, entry.entity_ids, entry.record_ids) == ("denied", (entity_id,), ())
    assert len(set(bodies)) == 1, bodies


def test_a_lookup_records_the_ids_returned_and_the_justification(
    client: TestClient, canary: Seeded
) -> None:
    headers = {
        **_bearer(canary.tokens["cps-caseworker"]),
        "X-Polestar-Justification": "charging decision",
    }
    body = client.get(f"/api/v1/persons/{canary.target}", headers=headers).json()
    found = audit.by_user(canary.engine, "cps-caseworker", reader=DPO, settings=canary.settings)[-1]
    assert found.entry.outcome == "allowed"
    assert found.entry.entity_ids == (canary.target,)
    # The person's records first, then every other record the profile showed.
    shown = list(found.entry.record_ids)
    assert shown[: len(body["records"])] == body["records"]
    assert {item["event"] for item in body["events"]["items"]} <= set(shown)
    assert (found.entry.purpose, found.justification) == ("prosecution", "charging decision")


def test_an_event_its_source_gave_as_a_day_is_a_date_and_the_schema_says_so(
    client: TestClient, canary: Seeded
) -> None:
    headers = _bearer(canary.tokens["home-officer"], "investigation")
    body = client.get(f"/api/v1/persons/{canary.target}", headers=headers).json()
    when = {item["event"]: item["occurred_at"] for item in body["events"]["items"]}
    assert when["probation:X123456"] == SUPERVISION_START
    assert when["custody:CU-000901"] == "2025-03-14T02:17:00+00:00"
    schemas = create_app(canary.settings).openapi()["components"]["schemas"]
    fields = schemas["EventOut"]["properties"]
    assert "a date alone" in fields["occurred_at"]["description"]


def test_an_unexpected_path_is_an_enveloped_404(client: TestClient) -> None:
    _envelope(client.get("/api/v1/nothing-here"), 404)
