"""Reading a page as the page tests do: fetched by a signed-in client, answered 200 and never
cached (it carries personal data), parsed; and the JSON a page hands its script."""

from __future__ import annotations

import json
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def page_of(client: TestClient, path: str, **params: Any) -> BeautifulSoup:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return BeautifulSoup(response.text, "html.parser")


def script_data(script_id: str, page: BeautifulSoup) -> dict[str, Any]:
    """What `<script id=script_id type=application/json>` holds."""
    data = page.select_one(f"script#{script_id}")
    assert data is not None
    found: dict[str, Any] = json.loads(data.string or "")
    return found
