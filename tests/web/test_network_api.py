"""`GET /api/v1/network/{entity_id}` and `GET /api/v1/paths/{source}/{target}` over the canary
store: JSON an analyst's graph page draws, errors in the envelope, nothing cached."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from polestar.web.app import create_app
from tests.canary import Seeded, api_headers, canary, canary_model

__all__ = ["canary", "canary_model"]


@pytest.fixture(scope="module")
def client(canary: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(canary.settings)) as client:
        yield client


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def _envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert body == {"ok": False, "error": body["error"], "errors": body["errors"], "status": status}
    return body


def test_the_network_route_returns_nodes_and_weighted_edges(
    client: TestClient, canary: Seeded
) -> None:
    body = _ok(
        client.get(
            f"/api/v1/network/{canary.target}",
            params={"hops": 1, "types": ["shared-phone", "resides-at"]},
            headers=api_headers(canary, "home-officer"),
        )
    )
    assert body["start"] == canary.target
    assert {node["id"]: node["hop"] for node in body["nodes"]}[canary.caller] == 1
    assert {edge["type"] for edge in body["edges"]} == {"shared-phone", "resides-at"}
    phone = next(edge for edge in body["edges"] if edge["type"] == "shared-phone")
    assert phone["weight"] == len(phone["records"]) == 2
    assert body["truncated"] is False


def test_the_paths_route_returns_the_chain(client: TestClient, canary: Seeded) -> None:
    body = _ok(
        client.get(
            f"/api/v1/paths/{canary.caller}/{canary.vehicle}",
            headers=api_headers(canary, "home-officer"),
        )
    )
    assert body["length"] == 2
    assert body["paths"][0]["nodes"] == [canary.caller, canary.target, canary.vehicle]
    assert [node["hop"] for node in body["nodes"]] == [0, 1, 2]


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/v1/network/PER-99999999", {}, 404, None),
        ("/api/v1/network/{target}", {"hops": 9}, 422, "hops"),
        ("/api/v1/network/{target}", {"types": "lives-near"}, 422, "types"),
        ("/api/v1/network/{target}", {"since": "not a date"}, 422, "query.since"),
        ("/api/v1/paths/{target}/PER-99999999", {}, 404, None),
        ("/api/v1/paths/{target}/{caller}", {"k": 0}, 422, "k"),
    ],
)
def test_errors_come_in_the_envelope(
    client: TestClient,
    canary: Seeded,
    path: str,
    params: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    url = path.format(target=canary.target, caller=canary.caller)
    body = _envelope(
        client.get(url, params=params, headers=api_headers(canary, "home-officer")), status
    )
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body


def test_a_purpose_is_required(client: TestClient, canary: Seeded) -> None:
    headers = {"Authorization": api_headers(canary, "home-officer")["Authorization"]}
    _envelope(client.get(f"/api/v1/network/{canary.target}", headers=headers), 422)
    _envelope(client.get(f"/api/v1/network/{canary.target}"), 401)
