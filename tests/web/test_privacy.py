"""`Cache-Control: no-store` on every response but static files and the installable app's
shell: a new page is kept out of caches before anyone thinks of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from polestar.settings import Settings
from polestar.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("path", ["/", "/no/such/page", "/api/v1/persons/PER-1", "/search"])
def test_pages_and_api_are_not_stored(client: TestClient, path: str) -> None:
    assert client.get(path).headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/static/polestar.css", "/sw.js", "/manifest.webmanifest", "/offline"]
)
def test_the_app_shell_may_be_cached(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
