"""The review and decision routes over the canary county: every demo user × the review list
(redacted, no-store), the decision routes refused without the `review` scope, bad input in the
error envelope, and a decision made over the API in the ledger and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from polestar import audit
from polestar.web.app import create_app
from tests.canary import (
    CUSTODY_NAME,
    PERSONS,
    USERS,
    Seeded,
    api_headers,
    canaries_in,
    canary,
    canary_model,
    expected,
)
from tests.canary_review import GROUNDS, PEOPLE, queue_canary_items
from tests.search.indexed import indexed

__all__ = ["canary", "canary_model", "indexed"]
# One worker runs the module in order: the last test changes the module's store.
pytestmark = pytest.mark.xdist_group("canary-api-review")
REVIEWERS = {"home-analyst", "home-supervisor", "home-admin"}


@pytest.fixture(scope="module")
def items(canary: Seeded) -> dict[str, int]:
    return queue_canary_items(canary)


@pytest.fixture(scope="module")
def client(canary: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(canary.settings)) as client:
        yield client


@pytest.mark.parametrize("justified", [False, True], ids=["unjustified", "justified"])
@pytest.mark.parametrize("user", USERS)
def test_review_list_shows_each_user_only_what_their_agreement_allows(
    client: TestClient, canary: Seeded, items: dict[str, int], user: str, justified: bool
) -> None:
    response = client.get("/api/v1/review", headers=api_headers(canary, user, justified))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    allowed = set().union(*(expected(user, p, justified) or set() for p in PERSONS))
    assert canaries_in(response.text) <= allowed, response.text
    for entry in response.json()["items"]:
        people = next((PEOPLE[n] for n, i in items.items() if i == entry["item"]), PERSONS)
        mine = set().union(*(expected(user, p, justified) or set() for p in people))
        assert canaries_in(str(entry)) <= mine, entry


def test_each_item_says_why_it_was_queued(
    client: TestClient, canary: Seeded, items: dict[str, int]
) -> None:
    response = client.get("/api/v1/review", headers=api_headers(canary, "home-analyst", True))
    assert response.status_code == 200, response.text
    listed = {entry["item"]: entry["queued_because"] for entry in response.json()["items"]}
    assert {name: listed.get(items[name]) for name in GROUNDS} == GROUNDS
    # No record changed since it was queued (tests/linkage/test_incremental.py: one that did).
    changed = [r["changed_at"] for e in response.json()["items"] for r in e["records"]]
    assert set(changed) == {None}


def test_the_list_narrows_to_one_ground_and_refuses_an_unknown_one(
    client: TestClient, canary: Seeded, items: dict[str, int]
) -> None:
    headers = api_headers(canary, "home-analyst", True)
    for ground in set(GROUNDS.values()):
        response = client.get("/api/v1/review", params={"ground": ground}, headers=headers)
        assert response.status_code == 200, response.text
        listed = response.json()["items"]
        assert {entry["queued_because"] for entry in listed} == {ground}
        assert {n for n, g in GROUNDS.items() if g == ground} <= {
            n for n, i in items.items() if i in {entry["item"] for entry in listed}
        }
    refused = client.get("/api/v1/review", params={"ground": "a hunch"}, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["ok"] is False
    assert "a hunch" in refused.text


def test_review_list_without_a_purpose_is_422(client: TestClient, canary: Seeded) -> None:
    headers = {"Authorization": f"Bearer {canary.tokens['home-analyst']}"}
    response = client.get("/api/v1/review", headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["ok"] is False


@pytest.mark.parametrize("user", USERS)
def test_decision_routes_need_the_review_scope(
    client: TestClient, canary: Seeded, user: str
) -> None:
    headers = api_headers(canary, user)
    reviewer = user in REVIEWERS
    attempts = [
        (client.post, "/api/v1/review/999999/decision",
         {"decision": "confirm", "reason": "x"}, 404),
        (client.post, "/api/v1/entities/merge",
         {"entities": [canary.target, canary.target], "reason": "x"}, 422),
        (client.post, f"/api/v1/entities/{canary.target}/split",
         {"records": ["custody:NO-SUCH"], "reason": "x"}, 422),
        (client.get, f"/api/v1/entities/{canary.target}/history", None, 200),
        (client.get, "/api/v1/entities/PER-99999999/history", None, 404),
    ]  # fmt: skip
    for method, path, body, status in attempts:
        response = method(path, headers=headers, **({} if body is None else {"json": body}))
        assert response.status_code == (status if reviewer else 403), (path, response.text)
        assert response.headers["cache-control"] == "no-store"
        assert canaries_in(response.text) == set(), response.text
        if response.status_code != 200:
            assert response.json()["ok"] is False


def test_a_decision_over_the_api_is_in_the_ledger_and_the_audit_trail(
    client: TestClient, canary: Seeded, items: dict[str, int]
) -> None:
    headers = api_headers(canary, "home-analyst")
    response = client.post(
        f"/api/v1/review/{items['target']}/decision",
        headers=headers,
        json={"decision": "confirm", "reason": "same PNC ID"},
    )
    assert response.status_code == 200, response.text
    decision_id = response.json()["decision_id"]
    again = client.post(
        f"/api/v1/review/{items['target']}/decision",
        headers=headers,
        json={"decision": "reject", "reason": "no"},
    )
    assert again.status_code == 422
    assert "decided already" in again.json()["error"]

    ledger = client.get(f"/api/v1/entities/{canary.target}/history", headers=headers).json()
    assert [(d["id"], d["decision"], d["actor"]) for d in ledger["decisions"]] == [
        (decision_id, "confirm", "home-analyst")
    ]
    found = audit.by_user(
        canary.engine, "home-analyst", reader=audit.Actor("cli:reader"), settings=canary.settings
    )
    entries = [f.entry for f in found if f.entry.action == "link.review.decide"]
    assert [(e.operation, e.organisation, e.outcome) for e in entries] == [
        ("alteration", "home-force", "allowed")
    ]


def test_a_split_and_a_merge_over_the_api_are_searchable_at_once(
    client: TestClient, canary: Seeded
) -> None:
    headers = api_headers(canary, "home-supervisor")

    def found() -> list[str]:
        body = {"query": CUSTODY_NAME, "kind": "person"}
        response = client.post("/api/v1/search", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return [item["entity_id"] for item in response.json()["results"]]

    split = client.post(
        f"/api/v1/entities/{canary.target}/split",
        headers=headers,
        json={"records": ["custody:CU-000901"], "reason": "a different man in custody"},
    )
    assert split.status_code == 200, split.text
    other = split.json()["other"]
    assert found() == [other]
    merged = client.post(
        "/api/v1/entities/merge",
        headers=headers,
        json={"entities": [other, canary.target], "reason": "custody confirmed him"},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json() == {
        "decision_id": merged.json()["decision_id"], "kept": canary.target, "other": other,
        "moved": 1,
    }  # fmt: skip
    assert found() == [canary.target]
