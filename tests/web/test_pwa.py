"""The installable app's own responses: the manifest, the service worker from `/`, and an
offline page that holds nothing of whoever was signed in when the worker fetched it."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar.settings import Settings
from tests.web.sessions import browser, make_account, sign_in, store

__all__ = ["browser", "store"]


def test_the_offline_page_keeps_no_session(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "zqofficer")
    token = sign_in(browser, account)
    response = browser.get("/offline")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1 is not None
    assert page.h1.get_text() == "You are offline"
    assert "zqofficer" not in response.text
    assert token not in response.text
    assert page.select_one("meta[name=csrf-token]") is None
    # Pages that are never cached do carry the session's token, for their forms.
    assert token in browser.get("/purpose").text


def test_the_service_worker_is_served_from_the_root(browser: TestClient) -> None:
    response = browser.get("/sw.js")
    assert response.headers["content-type"].startswith("text/javascript")
    assert 'caches.match("/offline")' in response.text
    manifest = browser.get("/manifest.webmanifest").json()
    assert manifest["scope"] == "/"
