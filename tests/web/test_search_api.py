"""`POST /api/v1/search` over the canary county: every demo user finds exactly what their
agreement shows, pages are stable, bad input is a 422 envelope, and neither the query nor
any canary reaches the logs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.canary import (
    DOB,
    PERSONS,
    USERS,
    Seeded,
    api_headers,
    canaries_in,
    canary,
    canary_model,
    expected,
)
from tests.search.indexed import indexed
from tests.search.test_results import NAMES
from tests.web.logged_client import Collected, client, logs

__all__ = ["canary", "canary_model", "client", "indexed", "logs"]
# One worker runs the module in order, so the log check sees every request.
pytestmark = pytest.mark.xdist_group("canary-search-api")


def _post(client: TestClient, canary: Seeded, user: str, body: dict[str, Any], **kw: Any) -> Any:
    return client.post("/api/v1/search", json=body, headers=api_headers(canary, user, **kw))


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_search_route_shows_each_user_exactly_what_their_agreement_allows(
    client: TestClient, canary: Seeded, user: str, justified: bool
) -> None:
    for person in PERSONS:
        response = _post(client, canary, user, {"query": NAMES[person]}, justified=justified)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        ids = [result["entity_id"] for result in response.json()["results"]]
        allowed = expected(user, person, justified)
        if allowed is None:
            assert canary.entity(person) not in ids, (person, response.text)
            assert canaries_in(response.text) == set(), (person, response.text)
        else:
            assert canary.entity(person) in ids, (person, response.text)
            assert canaries_in(response.text) <= allowed, (person, response.text)


def test_a_search_names_what_a_justification_would_also_show(
    client: TestClient, canary: Seeded
) -> None:
    for justified in (False, True):
        body = {"query": NAMES["child"]}
        found = _post(client, canary, "home-officer", body, justified=justified).json()
        ids = [result["entity_id"] for result in found["results"]]
        # Under 18: found only with a justification, which the response says it would take.
        assert (canary.entity("child") in ids) is justified, found
        assert ("under-18" in found["withheld"]) is not justified, found
    assert found["withheld"] == []


def test_each_result_gives_the_date_of_birth_the_caller_may_see(
    client: TestClient, canary: Seeded
) -> None:
    """Namesakes are told apart by their date of birth, as the search page does, where the
    caller may see it: the home force may, the fire service may not."""
    for user, born in (("home-officer", DOB), ("fire-caseworker", None)):
        found = _post(client, canary, user, {"query": NAMES["target"]}).json()["results"]
        target = next(result for result in found if result["entity_id"] == canary.target)
        assert target["born"] == born, (user, target)


def test_pages_follow_one_another_without_gaps_or_repeats(
    client: TestClient, canary: Seeded
) -> None:
    whole = _post(client, canary, "home-admin", {"query": "ST15", "limit": 100}).json()
    assert whole["total"] >= 3, whole
    assert whole["cursor"] is None
    paged: list[str] = []
    body: dict[str, Any] = {"query": "ST15", "limit": 2}
    while True:
        page = _post(client, canary, "home-admin", body).json()
        assert page["total"] == whole["total"]
        paged += [result["entity_id"] for result in page["results"]]
        if page["cursor"] is None:
            break
        body = {**body, "cursor": page["cursor"]}
    assert paged == [result["entity_id"] for result in whole["results"]]


@pytest.mark.parametrize(
    "body",
    [
        {"query": ""},
        {"query": "x" * 10_000},
        {"query": "((("},
        {"query": "smith", "kind": "weapon"},
        {"query": "smith", "limit": 0},
        {"query": "smith", "cursor": "not-a-cursor"},
        {"query": "smith", "born_from": "1990-01-01", "born_to": "1980-01-01"},
        {"query": "smith", "born_from": "1990-02-30"},
        {},
    ],
)
def test_bad_input_is_a_422_envelope(
    client: TestClient, canary: Seeded, body: dict[str, Any]
) -> None:
    response = _post(client, canary, "home-officer", body)
    assert response.status_code == 422, response.text
    envelope = response.json()
    assert envelope["ok"] is False
    assert envelope["status"] == 422
    assert envelope["error"]


def test_filters_narrow_the_results(client: TestClient, canary: Seeded) -> None:
    body = {"query": NAMES["target"], "sources": ["probation"], "born_from": "1980-01-01"}
    found = _post(client, canary, "home-officer", body).json()
    assert [r["entity_id"] for r in found["results"]] == [canary.target]
    body["born_from"] = "1981-01-01"
    assert _post(client, canary, "home-officer", body).json()["total"] == 0


def test_a_source_the_caller_may_see_nothing_from_is_a_422(
    client: TestClient, canary: Seeded
) -> None:
    for user, source in (("home-officer", "nope"), ("fire-caseworker", "probation")):
        body = {"query": NAMES["target"], "sources": [source]}
        response = _post(client, canary, user, body)
        assert response.status_code == 422, response.text
        envelope = response.json()
        assert f"no source system {source}" in envelope["error"]
        assert envelope["errors"][0]["field"] == "sources"


def test_a_search_without_a_purpose_is_a_422(client: TestClient, canary: Seeded) -> None:
    headers = {"Authorization": f"Bearer {canary.tokens['home-officer']}"}
    response = client.post("/api/v1/search", json={"query": "smith"}, headers=headers)
    assert response.status_code == 422, response.text


def test_a_search_without_a_token_is_a_401(client: TestClient) -> None:
    response = client.post("/api/v1/search", json={"query": "smith"})
    assert response.status_code == 401, response.text


def test_the_query_never_travels_in_the_url(client: TestClient, canary: Seeded) -> None:
    response = client.get(
        "/api/v1/search?query=quillfeather", headers=api_headers(canary, "home-officer")
    )
    assert response.status_code == 405, response.text


def test_no_query_or_canary_reached_the_application_logs(
    client: TestClient, canary: Seeded, logs: Collected
) -> None:
    # The matrix above ran in this worker first (xdist_group).
    _post(client, canary, "home-officer", {"query": "Zqhostilequery " * 20})
    lowered = [line.lower() for line in logs.lines]
    assert [line for line in lowered if canaries_in(line)] == []
    assert [line for line in lowered if "quillfeather" in line or "zqhostile" in line] == []
