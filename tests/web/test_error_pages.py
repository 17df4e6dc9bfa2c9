"""Errors outside `/api` are pages in the app's shell that say what to do; under `/api` they
stay the JSON envelope. Neither ever shows a traceback or an exception's message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from polestar.errors import FieldError, InvalidInput, NotFound
from polestar.settings import Settings
from polestar.web.app import create_app

SECRET = "Zqsecretname"  # an exception message that must never be shown


def _add_failing_routes(app: FastAPI) -> None:
    for prefix in ("", "/api/v1"):

        @app.get(prefix + "/fails/{status}")
        def fails(status: int) -> None:
            if status == 404:
                raise NotFound("no person PER-1")
            if status == 422:
                raise InvalidInput("check the query", [FieldError("query", "too short")])
            if status == 500:
                raise RuntimeError(SECRET)
            raise HTTPException(status, "refused")

        @app.get(prefix + "/number/{n}")
        def number(n: int) -> int:
            return n


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", data_dir=tmp_path)
    app = create_app(settings)
    _add_failing_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "This request could not be read"),
        (401, "Please sign in"),
        (403, "You may not do this"),
        (404, "Not found"),
        (429, "Too many requests"),
        (422, "Check what you entered"),
        (500, "Something went wrong on our side"),
    ],
)
def test_page_errors_render_a_helpful_page(client: TestClient, status: int, title: str) -> None:
    response = client.get(f"/fails/{status}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1 is not None
    assert page.h1.get_text() == title
    assert page.select_one("main#main") is not None
    assert SECRET not in response.text
    assert "Traceback" not in response.text


def test_page_field_errors_are_listed(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/fails/422").text, "html.parser")
    assert [li.get_text() for li in page.select("#error-fields li")] == ["query: too short"]
    page = BeautifulSoup(client.get("/number/seven").text, "html.parser")
    assert page.select("#error-fields li strong")[0].get_text() == "path.n"


def test_page_405_and_unknown_paths(client: TestClient) -> None:
    assert client.post("/offline").status_code == 405
    assert "Not available here" in client.post("/offline").text
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500])
def test_api_errors_stay_the_envelope(client: TestClient, status: int) -> None:
    response = client.get(f"/api/v1/fails/{status}")
    assert response.status_code == status
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == status
    assert SECRET not in response.text


def test_api_unknown_route_is_the_envelope(client: TestClient) -> None:
    response = client.get("/api/v1/no/such/thing")
    assert response.json() == {"ok": False, "error": "Not Found", "errors": [], "status": 404}
