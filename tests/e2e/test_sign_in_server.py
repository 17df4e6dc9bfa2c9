"""Signing in on a real server, as `make demo` serves it (`Secure` cookies over loopback HTTP,
which browsers treat as a secure origin): sign in, choose a purpose, call the API with the
session, sign out, and find the old cookie dead; and the rate limit and the sign-in throttle
holding across two server processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy.engine import Engine

from polestar.settings import Settings
from tests.e2e.servers import serving
from tests.web.sessions import Account, make_account, store

__all__ = ["store"]


@pytest.fixture
def server(store: Engine, settings: Settings) -> Iterator[str]:
    with serving(settings) as (url, _process):
        yield url


def _cookie(response: httpx.Response, name: str) -> tuple[str, str]:
    """A cookie the response sets, and its attributes (httpx would not send a `Secure` cookie
    over HTTP, so the test carries cookies itself, as a browser does on loopback)."""
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie(header)
        if name in jar:
            return jar[name].value, header.lower()
    raise AssertionError(f"no {name} cookie in {response.headers}")


def _token(response: httpx.Response) -> str:
    field = BeautifulSoup(response.text, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None, response.text
    return str(field["value"])


def _signed_in(server: str, account: Account) -> tuple[dict[str, str], str]:
    form = httpx.get(f"{server}/sign-in")
    pre_session, _ = _cookie(form, "polestar_csrf")
    signed = httpx.post(
        f"{server}/sign-in",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": _token(form),
        },
        headers={"Cookie": f"polestar_csrf={pre_session}"},
    )
    assert signed.status_code == 303, signed.text
    session, attributes = _cookie(signed, "polestar_session")
    assert all(flag in attributes for flag in ("secure", "httponly", "samesite=lax", "path=/"))
    cookie = {"Cookie": f"polestar_session={session}"}
    return cookie, _token(httpx.get(f"{server}/purpose", headers=cookie))


def test_a_session_on_a_real_server_from_sign_in_to_sign_out(
    server: str, store: Engine, settings: Settings
) -> None:
    cookie, csrf = _signed_in(server, make_account(store, settings, "sam.officer"))
    chosen = httpx.post(
        f"{server}/purpose",
        data={"purpose": "investigation", "csrf_token": csrf},
        headers=cookie,
    )
    assert chosen.status_code == 303, chosen.text
    api = {**cookie, "X-CSRF-Token": csrf}
    searched = httpx.post(f"{server}/api/v1/search", json={"query": "smith"}, headers=api)
    assert searched.status_code == 200, searched.text
    out = httpx.post(f"{server}/sign-out", data={"csrf_token": csrf}, headers=cookie)
    assert out.status_code == 303
    assert out.headers["clear-site-data"] == '"cache", "storage"'
    again = httpx.post(f"{server}/api/v1/search", json={"query": "smith"}, headers=api)
    assert again.status_code == 401, again.text


def _clear_of_a_minute_boundary(seconds_needed: float) -> None:
    """Wait for the next minute if this one ends too soon: the counts below are exact only
    within one minute (the next weighs this one's by what is left of it)."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.1)


def test_the_limits_hold_across_two_server_processes(
    store: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLESTAR_RATE_LIMIT_PER_MINUTE", "3")
    monkeypatch.setenv("POLESTAR_SIGN_IN_PER_ADDRESS_PER_MINUTE", "3")
    account = make_account(store, settings, "sam.officer")
    with serving(settings, workers=2) as (url, _process):
        _clear_of_a_minute_boundary(20)
        cookie, csrf = _signed_in(url, account)  # the address's first sign-in
        chosen = httpx.post(
            f"{url}/purpose", data={"purpose": "investigation", "csrf_token": csrf}, headers=cookie
        )
        assert chosen.status_code == 303, chosen.text
        api = {**cookie, "X-CSRF-Token": csrf}
        # A new connection each time, so both processes answer some.
        searches = [
            httpx.post(f"{url}/api/v1/search", json={"query": "smith"}, headers=api, timeout=30)
            for _ in range(6)
        ]
        form = httpx.get(f"{url}/sign-in")
        pre_session, _ = _cookie(form, "polestar_csrf")
        wrong = {"username": account.username, "password": "not it", "csrf_token": _token(form)}
        sign_ins = [
            httpx.post(
                f"{url}/sign-in",
                data=wrong,
                headers={"Cookie": f"polestar_csrf={pre_session}"},
                timeout=30,
            )
            for _ in range(6)
        ]
    assert [r.status_code for r in searches] == [200] * 3 + [429] * 3
    assert [r.status_code for r in sign_ins] == [401] * 2 + [429] * 4
    assert all(1 <= int(r.headers["retry-after"]) <= 61 for r in sign_ins[2:] + searches[3:])
