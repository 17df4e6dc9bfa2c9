"""Signing in on a real server, as `make demo` serves it (`Secure` cookies over loopback HTTP,
which browsers treat as a secure origin): sign in, choose a purpose, call the API with the
session, sign out, and find the old cookie dead."""

from __future__ import annotations

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


def test_a_session_on_a_real_server_from_sign_in_to_sign_out(server: str, store: Engine) -> None:
    cookie, csrf = _signed_in(server, make_account(store, "sam.officer"))
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
