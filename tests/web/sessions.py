"""A signed-in browser for page and API tests: a real app on the test's store, driven over
`https://testserver` so `Secure` cookies are kept as a browser would keep them. The one place
tests sign a user in through the forms (tests/e2e/steps.py does it in Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar.access import add_user, load_agreements
from polestar.access.users import reset_password
from polestar.settings import Settings
from polestar.web.app import create_app
from tests.access.conftest import ACTOR, NOW
from tests.canary import JUSTIFICATION, PURPOSES

BASE_URL = "https://testserver"


@dataclass(frozen=True)
class Account:
    username: str
    password: str


def make_account(
    db: Engine, settings: Settings, username: str, org: str = "home-force", *roles: str
) -> Account:
    """A user with a generated password, made through the real commands."""
    add_user(db, username, org, list(roles or ["officer"]), NOW, actor=ACTOR, settings=settings)
    return Account(
        username, reset_password(db, username, NOW, actor=ACTOR, settings=settings).password
    )


@pytest.fixture
def store(db: Engine, settings: Settings) -> Engine:
    """The test's store with the shipped agreements loaded."""
    load_agreements(db, [], NOW, actor=ACTOR, settings=settings)
    return db


@pytest.fixture
def browser(store: Engine, settings: Settings) -> Iterator[TestClient]:
    """A client on a fresh app over the store, keeping cookies like a browser."""
    with TestClient(create_app(settings), base_url=BASE_URL, follow_redirects=False) as client:
        yield client


def form_token(html: str) -> str:
    """The CSRF token a page's form carries."""
    field = BeautifulSoup(html, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None, html
    return str(field["value"])


def sign_in(client: TestClient, account: Account, next_path: str = "/") -> str:
    """Sign in through the form; returns the session's CSRF token (from the purpose page)."""
    token = form_token(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={
            "username": account.username,
            "password": account.password,
            "csrf_token": token,
            "next": next_path,
        },
    )
    assert response.status_code == 303, response.text
    return form_token(client.get("/purpose").text)


def open_session(
    client: TestClient,
    db: Engine,
    settings: Settings,
    username: str,
    purpose: str,
    justification: str = "",
    password: str | None = None,
) -> str:
    """Sign an existing user in and choose `purpose` (with `justification`, if any); returns
    the session's CSRF token.

    Args:
        password: theirs; without one a fresh password is generated for them.
    """
    if password is None:
        password = reset_password(db, username, NOW, actor=ACTOR, settings=settings).password
    token = sign_in(client, Account(username, password))
    form = {"purpose": purpose, "csrf_token": token, "next": "/"}
    if justification:
        form["justification"] = justification
    chosen = client.post("/purpose", data=form)
    assert chosen.status_code == 303, chosen.text
    return token


@contextmanager
def signed_in_as(
    db: Engine, settings: Settings, user: str, justified: bool = False
) -> Iterator[tuple[TestClient, str]]:
    """A new browser on a new app, signed in as the demo `user` with their purpose (and the
    canary justification when `justified`): yields the client and its CSRF token."""
    with TestClient(create_app(settings), base_url=BASE_URL, follow_redirects=False) as client:
        justification = JUSTIFICATION if justified else ""
        yield client, open_session(client, db, settings, user, PURPOSES[user], justification)
