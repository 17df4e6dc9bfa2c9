"""The back office in real Chromium, in both layouts, on the session's county server: the
administrator's and the data protection officer's pages pass axe-core with no violation and
have 44 px targets on the phone. (The analyst confirming a review item, and the review
queue's absence for others, are steps of the journeys: test_journeys.py.) Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.e2e.browser import Layout, check_page
from tests.e2e.county import County
from tests.e2e.steps import signed_in_page, visit

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
JUSTIFICATION = "Review of retention and oversight for case 4711"


def test_the_administrators_pages_pass_axe(
    browser: Browser, county: County, layout: Layout
) -> None:
    with signed_in_page(browser, county, "home-admin", layout, "/admin", JUSTIFICATION) as page:
        for path, name in [
            ("/retention?by=2036-02-03", "retention"),
            (f"/retention/{county.seeded.child}/dispose", "retention-dispose"),
            ("/admin", "admin-users"),
            ("/admin/tokens", "admin-tokens"),
            ("/admin/organisations", "admin-organisations"),
            ("/admin/agreements", "admin-agreements"),
            ("/admin/agreements/fire", "admin-agreement"),
        ]:
            visit(page, layout, county, path, name)
        assert page.locator("#agreement-text").input_value().startswith("organisation: fire")


def test_the_data_protection_officers_pages_pass_axe(
    browser: Browser, county: County, layout: Layout
) -> None:
    with signed_in_page(browser, county, "home-dpo", layout, "/oversight", JUSTIFICATION) as page:
        visit(page, layout, county, "/oversight", "oversight")
        page.fill("#identifier", county.seeded.target)
        with page.expect_navigation():
            page.click("#who-viewed button")
        assert page.locator("#entries tbody tr").count() >= 1
        check_page(page, layout, "oversight-who-viewed")
        visit(page, layout, county, "/oversight/heavy-users", "oversight-heavy-users")
        visit(page, layout, county, "/oversight/verify", "oversight-verify")
        assert page.locator("#verify-status").inner_text().startswith("Intact.")
