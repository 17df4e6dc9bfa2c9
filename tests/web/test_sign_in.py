"""The sign-in, purpose and sign-out pages, and a session calling the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.web.sessions import CSRF_COOKIE, SESSION_COOKIE
from tests.web.sessions import browser, form_token, make_account, sign_in, store

__all__ = ["browser", "store"]
DPO = audit.Reader("cli:test")


def _actions(engine: Engine, user: str) -> list[str]:
    return [found.entry.action for found in audit.by_user(engine, user, reader=DPO)]


def test_sign_in_sets_a_secure_http_only_lax_session_cookie(
    browser: TestClient, store: Engine
) -> None:
    account = make_account(store, "sam.officer")
    page = browser.get("/sign-in")
    assert CSRF_COOKIE in page.cookies
    response = browser.post(
        "/sign-in",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": form_token(page.text),
            "next": "/purpose",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/purpose"
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith(f"{SESSION_COOKIE}=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags, cookie
    assert "session.sign-in" in _actions(store, "sam.officer")


def test_purpose_then_api_with_the_session_cookie(browser: TestClient, store: Engine) -> None:
    account = make_account(store, "sam.officer")
    csrf = sign_in(browser, account)
    chosen = browser.post(
        "/purpose",
        data={"purpose": "investigation", "csrf_token": csrf, "next": "/"},
    )
    assert chosen.status_code == 303, chosen.text
    refused = browser.post("/api/v1/search", json={"query": "smith"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["status"] == 403
    answered = browser.post(
        "/api/v1/search", json={"query": "smith"}, headers={"X-CSRF-Token": csrf}
    )
    assert answered.status_code == 200, answered.text
    assert _actions(store, "sam.officer")[-2:] == ["session.purpose", "search"]
