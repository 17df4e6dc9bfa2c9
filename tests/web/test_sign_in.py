"""The sign-in, purpose and sign-out pages; CSRF on forms, HTMX and the API; cookie flags;
identical refusals and lockout over HTTP; a session calling the API; the rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import create_token, disable_user
from polestar.settings import Settings
from polestar.web.app import create_app
from polestar.web.sessions import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    PageViewer,
    SignedIn,
    pre_session_token,
)
from tests.access.conftest import ACTOR, NOW
from tests.web.sessions import (
    BASE_URL,
    browser,
    form_token,
    make_account,
    sign_in,
    store,
)

__all__ = ["browser", "store"]
DPO = audit.Actor(ACTOR)
SEARCH = {"query": "smith"}


def _actions(engine: Engine, settings: Settings, user: str) -> list[str]:
    return [
        found.entry.action for found in audit.by_user(engine, user, reader=DPO, settings=settings)
    ]


def _set_cookie(response: object, name: str) -> str:
    headers = response.headers  # type: ignore[attr-defined]
    return next(
        value
        for key, value in headers.multi_items()
        if key == "set-cookie" and value.startswith(f"{name}=")
    )


def _choose(client: TestClient, csrf: str, purpose: str = "investigation") -> None:
    chosen = client.post("/purpose", data={"purpose": purpose, "csrf_token": csrf, "next": "/"})
    assert chosen.status_code == 303, chosen.text


def test_sign_in_sets_a_secure_http_only_lax_session_cookie(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "sam.officer")
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
    flags = {part.strip().lower() for part in _set_cookie(response, SESSION_COOKIE).split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags, flags
    assert "session.sign-in" in _actions(store, settings, "sam.officer")


def test_development_drops_only_the_secure_flag(store: Engine, settings: Settings) -> None:
    account = make_account(store, settings, "sam.officer")
    app = create_app(settings.model_copy(update={"env": "development"}))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        token = form_token(client.get("/sign-in").text)
        response = client.post(
            "/sign-in",
            data={"username": account.username, "password": account.password, "csrf_token": token},
        )
    flags = {part.strip().lower() for part in _set_cookie(response, SESSION_COOKIE).split(";")}
    assert "secure" not in flags
    assert {"httponly", "samesite=lax"} <= flags


def test_the_sign_in_form_without_its_csrf_token_is_refused(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "sam.officer")
    browser.get("/sign-in")
    credentials = {"username": account.username, "password": account.password}
    for token in (None, "forged"):
        data = credentials if token is None else {**credentials, "csrf_token": token}
        response = browser.post("/sign-in", data=data)
        assert response.status_code == 403, response.text
        assert SESSION_COOKIE not in response.cookies
    assert "session.sign-in" not in _actions(store, settings, "sam.officer")


def test_a_planted_pre_session_cookie_cannot_sign_anyone_in(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    """A sibling site can set cookies for this one. A token it planted, posted with a form of
    its making (cookie and field agreeing), must not sign the victim in to its account."""
    account = make_account(store, settings, "sam.officer")
    credentials = {"username": account.username, "password": account.password}
    unsigned = "a" * 32
    signed_elsewhere = pre_session_token(b"another server's key, not ours!")
    for planted in (unsigned, f"{unsigned}.{'b' * 64}", signed_elsewhere):
        browser.cookies.clear()
        browser.cookies.set(CSRF_COOKIE, planted)
        response = browser.post("/sign-in", data={**credentials, "csrf_token": planted})
        assert response.status_code == 403, (planted, response.text)
        assert SESSION_COOKIE not in response.cookies
        # Nor is it adopted: the answer replaces it with a token of ours.
        assert response.cookies[CSRF_COOKIE] not in ("", planted)
        browser.cookies.clear()
        browser.cookies.set(CSRF_COOKIE, planted)
        assert form_token(browser.get("/sign-in").text) != planted
    assert "session.sign-in" not in _actions(store, settings, "sam.officer")
    browser.cookies.clear()
    assert sign_in(browser, account)  # ours still works


def _attempt(client: TestClient, username: str, password: str) -> tuple[int, str, str]:
    token = form_token(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"username": username, "password": password, "csrf_token": token}
    )
    error = BeautifulSoup(response.text, "html.parser").select_one("#sign-in-error")
    return response.status_code, error.get_text() if error else "", response.text


def test_a_locked_account_answers_exactly_as_a_wrong_password(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "sam.officer")
    wrong = [_attempt(browser, account.username, "not the password") for _ in range(5)]
    locked = _attempt(browser, account.username, account.password)
    assert locked == wrong[0]
    assert locked[:2] == (401, "wrong user name or password"), locked
    assert _actions(store, settings, "sam.officer")[-2:] == ["session.lockout", "session.sign-in"]
    unknown = _attempt(browser, "nobody.here", account.password)
    assert unknown[:2] == locked[:2]


def test_too_many_sign_ins_from_one_address_answer_429_with_retry_after(
    store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "sam.officer")
    app = create_app(settings.model_copy(update={"sign_in_per_address_per_minute": 2}))
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        attempts = [_attempt(client, account.username, "not it") for _ in range(2)]
        token = form_token(client.get("/sign-in").text)
        data = {"username": account.username, "password": account.password, "csrf_token": token}
        throttled = client.post("/sign-in", data=data)
    assert [status for status, _, _ in attempts] == [401, 401]
    assert throttled.status_code == 429, throttled.text
    assert 1 <= int(throttled.headers["retry-after"]) <= 61
    error = BeautifulSoup(throttled.text, "html.parser").select_one("#sign-in-error")
    assert error is not None, throttled.text
    assert error.get_text().startswith("too many sign-ins from your address")
    assert SESSION_COOKIE not in throttled.cookies
    assert _actions(store, settings, "anonymous")[-1] == "session.sign-in-throttled"


def test_next_only_leads_to_a_local_path(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "sam.officer")
    for next_path, expected in [
        ("/search?q=1", "/search?q=1"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        token = form_token(browser.get("/sign-in").text)
        response = browser.post(
            "/sign-in",
            data={
                "username": account.username,
                "password": account.password,
                "csrf_token": token,
                "next": next_path,
            },
        )
        assert response.headers["location"] == expected, next_path
        browser.cookies.clear()


@pytest.fixture
def probed(store: Engine, settings: Settings) -> Iterator[TestClient]:
    """An app with two probe pages, one needing a session and one a purpose as well."""
    app: FastAPI = create_app(settings)

    @app.get("/probe/signed-in")
    def signed_in(session: SignedIn) -> dict[str, str | None]:
        return {"user": session.username, "purpose": session.purpose}

    @app.get("/probe/viewer")
    def viewer(viewer: PageViewer) -> dict[str, str | None]:
        return {"user": viewer.user, "purpose": viewer.purpose}

    @app.post("/probe/change")
    def change(session: SignedIn) -> dict[str, str]:
        return {"changed": session.username}

    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        yield client


def test_pages_redirect_to_sign_in_then_to_purpose_then_answer(
    probed: TestClient, store: Engine, settings: Settings
) -> None:
    account = make_account(store, settings, "sam.officer")
    first = probed.get("/probe/viewer?tab=2")
    assert first.status_code == 303
    assert first.headers["location"] == "/sign-in?next=/probe/viewer%3Ftab%3D2"
    htmx = probed.get("/probe/viewer", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx.headers["hx-redirect"]) == (200, "/sign-in?next=/probe/viewer")
    csrf = sign_in(probed, account)
    assert probed.get("/probe/signed-in").json() == {"user": "sam.officer", "purpose": None}
    second = probed.get("/probe/viewer")
    assert (second.status_code, second.headers["location"]) == (303, "/purpose?next=/probe/viewer")
    _choose(probed, csrf)
    assert probed.get("/probe/viewer").json() == {"user": "sam.officer", "purpose": "investigation"}


def test_a_page_post_needs_the_session_token_in_the_form_or_the_htmx_header(
    probed: TestClient, store: Engine, settings: Settings
) -> None:
    csrf = sign_in(probed, make_account(store, settings, "sam.officer"))
    assert probed.post("/probe/change").status_code == 403
    assert probed.post("/probe/change", data={"csrf_token": "forged"}).status_code == 403
    # Any character at all is a clear refusal, never a server error.
    assert probed.post("/probe/change", data={"csrf_token": "forgé"}).status_code == 403
    # The pre-session token is not the session's.
    pre_session = probed.cookies[CSRF_COOKIE]
    assert probed.post("/probe/change", data={"csrf_token": pre_session}).status_code == 403
    assert probed.post("/probe/change", data={"csrf_token": csrf}).status_code == 200
    htmx = probed.post("/probe/change", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert htmx.json() == {"changed": "sam.officer"}


def test_a_form_posted_after_the_session_ended_goes_to_sign_in_and_back(
    probed: TestClient, store: Engine, settings: Settings
) -> None:
    csrf = sign_in(probed, make_account(store, settings, "sam.officer"))
    # As an expired session leaves it: set on the live cookie's domain so as to replace it
    # (the test client's jar names the host `testserver.local`).
    live = next(cookie for cookie in probed.cookies.jar if cookie.name == SESSION_COOKIE)
    probed.cookies.set(SESSION_COOKIE, "ended-or-unknown", domain=live.domain)
    page = f"{BASE_URL}/probe/viewer?tab=2"
    posted = probed.post("/probe/change", data={"csrf_token": csrf}, headers={"Referer": page})
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == "/sign-in?next=/probe/viewer%3Ftab%3D2"
    htmx = probed.post("/probe/change", headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert (htmx.status_code, htmx.headers["hx-redirect"]) == (200, "/sign-in?next=/")
    # Only the referring page's path is kept, and only a path on this site.
    elsewhere = probed.post("/probe/change", headers={"Referer": "https://a.example//b.example/"})
    assert elsewhere.headers["location"] == "/sign-in?next=/"


def test_the_api_accepts_the_session_with_its_purpose_and_csrf_token(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    csrf = sign_in(browser, make_account(store, settings, "sam.officer"))
    no_purpose = browser.post("/api/v1/search", json=SEARCH, headers={"X-CSRF-Token": csrf})
    assert no_purpose.status_code == 422, no_purpose.text
    _choose(browser, csrf)
    refused = browser.post("/api/v1/search", json=SEARCH)
    assert refused.status_code == 403, refused.text
    assert refused.json() == {
        "ok": False,
        "error": refused.json()["error"],
        "errors": [],
        "status": 403,
    }
    answered = browser.post("/api/v1/search", json=SEARCH, headers={"X-CSRF-Token": csrf})
    assert answered.status_code == 200, answered.text
    assert _actions(store, settings, "sam.officer")[-2:] == ["session.purpose", "search"]
    # A header purpose overrides the session's for that request.
    browser.post(
        "/api/v1/search",
        json=SEARCH,
        headers={"X-CSRF-Token": csrf, "X-Polestar-Purpose": "safeguarding"},
    )
    last = audit.by_user(store, "sam.officer", reader=DPO, settings=settings)[-1].entry
    assert (last.action, last.purpose) == ("search", "safeguarding")


@pytest.mark.parametrize(("role", "status"), [("officer", 403), ("analyst", 404)])
def test_a_sessions_scopes_follow_the_users_roles(
    browser: TestClient, store: Engine, settings: Settings, role: str, status: int
) -> None:
    sign_in(browser, make_account(store, settings, "sam.user", "home-force", role))
    response = browser.get("/api/v1/entities/PER-00000001/history")
    assert response.status_code == status, response.text
    if status == 403:
        assert "'review'" in response.json()["error"]
        denied = audit.by_user(store, "sam.user", reader=DPO, settings=settings)[-1].entry
        assert (denied.action, denied.outcome) == ("link.history", "denied")


def test_a_bearer_request_needs_no_csrf_token(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    make_account(store, settings, "sam.officer")
    token = create_token(
        store, "sam.officer", ["read"], datetime.now(UTC), actor=ACTOR, settings=settings
    ).token
    headers = {"Authorization": f"Bearer {token}", "X-Polestar-Purpose": "investigation"}
    response = browser.post("/api/v1/search", json=SEARCH, headers=headers)
    assert response.status_code == 200, response.text
    assert "set-cookie" not in response.headers  # a program gets no cookies it cannot use


def test_sign_out_ends_the_session_and_clears_the_browser(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    csrf = sign_in(browser, make_account(store, settings, "sam.officer"))
    _choose(browser, csrf)
    old_cookie = browser.cookies[SESSION_COOKIE]
    assert browser.post("/sign-out").status_code == 403  # no token: not signed out
    response = browser.post("/sign-out", data={"csrf_token": csrf})
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in")
    assert response.headers["clear-site-data"] == '"cache", "storage"'
    assert "max-age=0" in _set_cookie(response, SESSION_COOKIE).lower()
    browser.cookies.set(SESSION_COOKIE, old_cookie, domain="testserver")
    replay = browser.post("/api/v1/search", json=SEARCH, headers={"X-CSRF-Token": csrf})
    assert replay.status_code == 401, replay.text
    assert _actions(store, settings, "sam.officer")[-1] == "session.sign-out"


def test_a_disabled_users_session_stops_at_once(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    csrf = sign_in(browser, make_account(store, settings, "sam.officer"))
    _choose(browser, csrf)
    disable_user(store, "sam.officer", NOW, actor=ACTOR, settings=settings)
    response = browser.post("/api/v1/search", json=SEARCH, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401, response.text
    assert browser.get("/purpose").status_code == 303
    # Signing out of the dead session needs no token and still clears the cookie.
    out = browser.post("/sign-out")
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in")


def test_the_rate_limit_answers_429_with_retry_after(store: Engine, settings: Settings) -> None:
    account = make_account(store, settings, "sam.officer")
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 2}))
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        csrf = sign_in(client, account)
        _choose(client, csrf)
        headers = {"X-CSRF-Token": csrf}
        statuses = [client.post("/api/v1/search", json=SEARCH, headers=headers) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    limited = statuses[-1]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["status"] == 429
    assert limited.json()["ok"] is False
    assert limited.headers["cache-control"] == "no-store"
