"""The shell's navigation: built from what the viewer's roles may do, and only from pages this
app serves; the review queue is never offered to officers or partner caseworkers. Every page
a signed-in user opens says who they are."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from polestar.access import Viewer
from polestar.access.roles import Ability, UserRole, abilities
from polestar.settings import Settings
from polestar.web.pages.shell import navigation
from tests.web.sessions import browser, make_account, sign_in, store

__all__ = ["browser", "store"]


def _app_with(*paths: str) -> FastAPI:
    app = FastAPI()
    for path in paths:
        app.add_api_route(path, lambda: None, methods=["GET"])
    return app


def _labels(app: FastAPI, role: UserRole) -> list[str]:
    request = Request({"type": "http", "app": app, "path": "/", "headers": []})
    viewer = Viewer("someone", "home-force", frozenset({role.value}), "investigation")
    return [item.label for item in navigation(request, viewer)]


ALL_PAGES = ("/search", "/review", "/retention", "/oversight", "/admin")


def test_officers_and_caseworkers_are_not_offered_the_review_queue() -> None:
    app = _app_with(*ALL_PAGES)
    assert _labels(app, UserRole.OFFICER) == ["Search"]
    assert _labels(app, UserRole.PARTNER_CASEWORKER) == ["Search"]
    assert _labels(app, UserRole.ANALYST) == ["Search", "Review queue"]
    dpo = ["Search", "Oversight", "Administration"]  # administration to read only
    assert _labels(app, UserRole.DATA_PROTECTION_OFFICER) == dpo
    assert _labels(app, UserRole.ADMINISTRATOR) == [
        "Search",
        "Review queue",
        "Retention",
        "Oversight",  # the audit log lets administrators read it too (`oversight`)
        "Administration",
    ]


def test_pages_not_served_are_not_offered() -> None:
    assert _labels(_app_with("/search"), UserRole.ADMINISTRATOR) == ["Search"]


def test_abilities_of_several_roles_add_up() -> None:
    roles = frozenset({UserRole.OFFICER.value, UserRole.DATA_PROTECTION_OFFICER.value})
    assert abilities(roles) == {Ability.OVERSIGHT, Ability.READ_ADMINISTRATION}


def test_pages_anyone_may_open_show_who_is_signed_in(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    sign_in(browser, make_account(store, settings, "zqanalyst", "home-force", "analyst"))
    for path in ("/", "/no/such/page"):
        page = BeautifulSoup(browser.get(path).text, "html.parser")
        user = page.select_one("#shell-user")
        assert user is not None, path
        assert user.get_text() == "zqanalyst"
        assert [a.get_text() for a in page.select(".site-nav a")] == [
            "Search",
            "Map",
            "Review queue",
        ]


def test_a_visitor_is_offered_the_sign_in_page_everywhere_but_on_it(
    browser: TestClient, store: Engine, settings: Settings
) -> None:
    for path in ("/", "/no/such/page"):
        page = BeautifulSoup(browser.get(path).text, "html.parser")
        assert [a["href"] for a in page.select(".site-nav a")] == ["/sign-in"], path
        assert page.select_one("#shell-user") is None
    own = BeautifulSoup(browser.get("/sign-in").text, "html.parser")
    assert own.select(".site-nav a") == []
    sign_in(browser, make_account(store, settings, "zqofficer", "home-force", "officer"))
    home = BeautifulSoup(browser.get("/").text, "html.parser")
    assert "/sign-in" not in [a["href"] for a in home.select(".site-nav a")]
