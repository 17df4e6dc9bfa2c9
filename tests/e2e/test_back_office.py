"""The back office in real Chromium, in both layouts, on a real `polestar serve` over the
canary county: an analyst signs in, reads an explanation and confirms a review item; the
administrator's and the data protection officer's pages pass axe-core with no violation and
have 44 px targets on the phone; a partner caseworker has no review queue (404, not offered).
Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page

from polestar.access.users import reset_password
from tests.canary import ACTOR, PURPOSES, Seeded, canaries_in, canary, canary_model
from tests.canary_review import queue_canary_items
from tests.e2e.browser import DESKTOP, LAYOUTS, PHONE, Layout, check_page, new_context
from tests.e2e.servers import serving

__all__ = ["canary", "canary_model"]
# One dialect is enough in the browser: the pages' data paths are tested on both in tests/web.
pytestmark = [
    pytest.mark.xdist_group("browser"),
    pytest.mark.parametrize("canary", ["sqlite"], indirect=True, scope="module"),
]
JUSTIFICATION = "Review of linkage for case 4711"
CONFIRMS = {DESKTOP.name: "target", PHONE.name: "intelligence"}  # one item per layout


@pytest.fixture(scope="module")
def server(canary: Seeded) -> Iterator[tuple[str, dict[str, int]]]:
    items = queue_canary_items(canary)
    with serving(canary.settings) as (url, _process):
        yield url, items


def _sign_in(browser: Browser, layout: Layout, url: str, canary: Seeded, user: str) -> Page:
    """A new profile signed in as `user` through the forms, with their purpose chosen."""
    password = reset_password(canary.engine, user, datetime.now(UTC), actor=ACTOR).password
    page = new_context(browser, layout).new_page()
    page.set_default_timeout(10_000)
    page.goto(url + "/sign-in?next=/purpose")
    page.fill("#username", user)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#sign-in button[type=submit]")
    page.check(f"input[name=purpose][value={PURPOSES[user]}]")
    page.fill("#justification", JUSTIFICATION)
    with page.expect_navigation():
        page.click("#purpose button[type=submit]")
    return page


def _visit(page: Page, layout: Layout, url: str, path: str, name: str) -> None:
    response = page.goto(url + path)
    assert response is not None
    assert response.status == 200, (path, response.status)
    check_page(page, layout, name)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_an_analyst_confirms_a_review_item(
    browser: Browser, server: tuple[str, dict[str, int]], canary: Seeded, layout: Layout
) -> None:
    url, items = server
    item = items[CONFIRMS[layout.name]]
    page = _sign_in(browser, layout, url, canary, "home-analyst")
    try:
        _visit(page, layout, url, "/review", "review-queue")
        assert page.locator("nav.site-nav a[href='/review']").count() == 1
        section = page.locator(f"#item-{item}")
        section.get_by_role("button", name="Explain this match").click()
        page.locator(f"#explain-{item} table tbody tr").first.wait_for()
        check_page(page, layout, "review-explained")
        section.locator("textarea[name=reason]").fill("Same PNC ID and date of birth")
        with page.expect_navigation():
            section.get_by_role("button", name="Confirm: one person").click()
        assert page.locator("#decided").is_visible()
        assert page.locator(f"#item-{item}").count() == 0
        _visit(page, layout, url, "/review/entities", "review-entities")
        _visit(page, layout, url, f"/review/history?entity={canary.target}", "review-history")
        assert "Same PNC ID" in page.locator("#decisions").inner_text()
    finally:
        page.context.close()


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_the_administrators_pages_pass_axe(
    browser: Browser, server: tuple[str, dict[str, int]], canary: Seeded, layout: Layout
) -> None:
    url, _items = server
    page = _sign_in(browser, layout, url, canary, "home-admin")
    try:
        for path, name in [
            ("/retention?by=2036-02-03", "retention"),
            (f"/retention/{canary.child}/dispose", "retention-dispose"),
            ("/admin", "admin-users"),
            ("/admin/tokens", "admin-tokens"),
            ("/admin/organisations", "admin-organisations"),
            ("/admin/agreements", "admin-agreements"),
            ("/admin/agreements/fire", "admin-agreement"),
        ]:
            _visit(page, layout, url, path, name)
        assert page.locator("#agreement-text").input_value().startswith("organisation: fire")
    finally:
        page.context.close()


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_the_data_protection_officers_pages_pass_axe(
    browser: Browser, server: tuple[str, dict[str, int]], canary: Seeded, layout: Layout
) -> None:
    url, _items = server
    page = _sign_in(browser, layout, url, canary, "home-dpo")
    try:
        _visit(page, layout, url, "/oversight", "oversight")
        page.fill("#identifier", canary.target)
        with page.expect_navigation():
            page.click("#who-viewed button")
        assert page.locator("#entries tbody tr").count() >= 1
        check_page(page, layout, "oversight-who-viewed")
        _visit(page, layout, url, "/oversight/heavy-users", "oversight-heavy-users")
        _visit(page, layout, url, "/oversight/verify", "oversight-verify")
        assert page.locator("#verify-status").inner_text().startswith("Intact.")
    finally:
        page.context.close()


def test_a_partner_caseworker_has_no_review_queue(
    browser: Browser, server: tuple[str, dict[str, int]], canary: Seeded
) -> None:
    url, _items = server
    page = _sign_in(browser, DESKTOP, url, canary, "fire-caseworker")
    try:
        response = page.goto(url + "/review")
        assert response is not None
        assert response.status == 404
        assert page.locator("nav.site-nav a[href='/review']").count() == 0
        assert canaries_in(page.locator("main").inner_text()) == set()
        check_page(page, DESKTOP, "review-404-partner")
    finally:
        page.context.close()
