"""The map routes over the canary store: points, hotspots and the county's geometry as JSON,
an area only in a POST body, errors in the envelope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from polestar.web.app import create_app
from tests.canary import Seeded, api_headers, canary, canary_model

__all__ = ["canary", "canary_model"]
STONE = {"south": 52.85, "west": -2.25, "north": 52.95, "east": -2.1}


@pytest.fixture(scope="module")
def client(canary: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(canary.settings)) as client:
        yield client


def _envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, body
    assert body == {"ok": False, "error": body["error"], "errors": body["errors"], "status": status}
    assert response.headers["cache-control"] == "no-store"
    return body


def test_an_entitys_events_come_as_points(client: TestClient, canary: Seeded) -> None:
    response = client.get(
        f"/api/v1/map/events/{canary.target}",
        params={"since": "2025-02-01", "categories": ["violent-crime"]},
        headers=api_headers(canary, "home-officer"),
    )
    assert response.status_code == 200, response.text
    [point] = response.json()["points"]
    assert point["event"] == "crime:CR-25-000902"
    assert point["occurred_at"].startswith("2025-02-11")
    assert point["records"][0] == "crime:CR-25-000902"


def test_an_area_is_posted_and_answered_with_its_points(client: TestClient, canary: Seeded) -> None:
    response = client.post(
        "/api/v1/map/area", json={**STONE, "limit": 1}, headers=api_headers(canary, "home-officer")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["points"]) == 1
    assert body["truncated"] is True


def test_hotspots_come_as_cells(client: TestClient, canary: Seeded) -> None:
    response = client.get(
        "/api/v1/map/hotspots",
        params={"month": "2025-01", "to_month": "2025-03", "cell": 0.05},
        headers=api_headers(canary, "home-officer"),
    )
    assert response.status_code == 200, response.text
    [cell] = response.json()["cells"]
    assert cell["count"] == 2
    assert cell["north"] == pytest.approx(cell["south"] + 0.05)


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "field"),
    [
        ("GET", "/api/v1/map/events/PER-99999999", {}, 404, None),
        ("GET", "/api/v1/map/events/{target}", {"limit": 0}, 422, "limit"),
        ("POST", "/api/v1/map/area", {**STONE, "north": 53.5}, 422, "box"),
        ("POST", "/api/v1/map/area", {"south": 52.9}, 422, "body.west"),
        ("GET", "/api/v1/map/hotspots", {"month": "May"}, 422, "month"),
        ("GET", "/api/v1/map/hotspots", {"month": "2025-01", "cell": 5}, 422, "cell"),
        ("GET", "/api/v1/map/hotspots", {"month": "2025-01", "categories": "x"}, 422, "categories"),
    ],
)
def test_errors_come_in_the_envelope(
    client: TestClient,
    canary: Seeded,
    method: str,
    path: str,
    payload: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    headers = api_headers(canary, "home-officer")
    url = path.format(target=canary.target)
    if method == "GET":
        response = client.get(url, params=payload, headers=headers)
    else:
        response = client.post(url, json=payload, headers=headers)
    body = _envelope(response, status)
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body


def test_the_county_geometry_needs_a_token_but_no_purpose(
    client: TestClient, canary: Seeded
) -> None:
    token = {"Authorization": api_headers(canary, "fire-caseworker")["Authorization"]}
    _envelope(client.get("/api/v1/map/county", headers=token), 404)
    shape = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}
    path = canary.settings.data_dir / "county.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(shape), encoding="utf-8")
    try:
        response = client.get("/api/v1/map/county", headers=token)
        assert response.status_code == 200, response.text
        assert response.json() == shape
        _envelope(client.get("/api/v1/map/county"), 401)
    finally:
        path.unlink()
