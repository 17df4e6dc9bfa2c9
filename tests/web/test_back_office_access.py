"""Every back-office page × every demo user: a page answers 404 (not 403) to whoever its
ability is not given to, and appears in their navigation only if it answers them."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from polestar.access.roles import Ability, abilities
from tests.canary import USERS
from tests.web.back_office import SignedIn, demo_store, signed_in

__all__ = ["demo_store", "signed_in"]
ROLES = {
    "home-analyst": "analyst",
    "home-supervisor": "supervisor",
    "home-dpo": "data-protection-officer",
    "home-admin": "administrator",
}
PAGES = {
    Ability.REVIEW: ("/review", "/review/entities"),
    Ability.RETENTION: ("/retention", "/retention/PER-00000001/dispose"),
    Ability.OVERSIGHT: ("/oversight", "/oversight/heavy-users?day=2026-06-01"),
    Ability.READ_ADMINISTRATION: (
        "/admin",
        "/admin/tokens",
        "/admin/organisations",
        "/admin/agreements",
        "/admin/agreements/fire",
    ),
}
NAVIGATION = {Ability.REVIEW: "/review", Ability.RETENTION: "/retention",
              Ability.OVERSIGHT: "/oversight", Ability.READ_ADMINISTRATION: "/admin"}  # fmt: skip


@pytest.mark.parametrize("user", USERS)
def test_each_page_answers_only_the_roles_it_is_for(signed_in: SignedIn, user: str) -> None:
    given = abilities({ROLES[user]} if user in ROLES else ()) & set(NAVIGATION)
    with signed_in(user) as (client, _token):
        for ability, paths in PAGES.items():
            for path in paths:
                response = client.get(path)
                assert response.status_code == (200 if ability in given else 404), (path, user)
                assert response.headers["cache-control"] == "no-store"
                page = BeautifulSoup(response.text, "html.parser")
                offered = {a["href"] for a in page.select("nav.site-nav a")}
                assert {NAVIGATION[a] for a in given} <= offered, (path, offered)
                assert not offered & {NAVIGATION[a] for a in set(NAVIGATION) - given}, path


def test_signed_out_the_pages_ask_for_sign_in(signed_in: SignedIn) -> None:
    with signed_in("home-admin") as (client, token):
        client.post("/sign-out", data={"csrf_token": token})
        for paths in PAGES.values():
            response = client.get(paths[0])
            assert response.status_code == 303, paths
            assert response.headers["location"].startswith("/sign-in?next=")
