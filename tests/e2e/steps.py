"""Steps the browser tests share, through the real pages of the county's server: sign in and
choose a purpose, visit and check a page, open a profile's network and map, confirm a review
item, sign out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from playwright.sync_api import Browser, Page, expect

from tests.canary import PURPOSES
from tests.e2e.browser import LAYOUTS, Layout, check_page, new_context
from tests.e2e.county import GEOMETRY, County


def sign_in(
    page: Page,
    county: County,
    user: str,
    layout: Layout,
    path: str = "/search",
    justification: str = "",
    checked: bool = False,
) -> None:
    """Through the real forms: the sign-in page, then the purpose page, then `path`.

    Args:
        checked: run `check_page` on the sign-in and purpose pages on the way.
    """
    page.goto(county.url + path)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    if checked:
        check_page(page, layout, f"sign-in-{user}")
    page.fill("#username", user)
    page.fill("#password", county.passwords[user])
    page.click("#sign-in button[type=submit]")
    expect(page).to_have_url(re.compile(r"/purpose\?next="))
    if checked:
        check_page(page, layout, f"purpose-{user}")
    page.check(f"input[name=purpose][value={PURPOSES[user]}]")
    if justification:
        page.fill("#justification", justification)
    page.click("#purpose button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


@contextmanager
def signed_in_page(
    browser: Browser,
    county: County,
    user: str,
    layout: Layout,
    path: str = "/search",
    justification: str = "",
    checked: bool = False,
) -> Iterator[Page]:
    """A new profile in `layout`, signed in as `user` on `path` (as `sign_in`); closed
    afterwards."""
    context = new_context(browser, layout)
    try:
        page = context.new_page()
        sign_in(page, county, user, layout, path, justification, checked)
        yield page
    finally:
        context.close()


@contextmanager
def signed_in_pages(browser: Browser, county: County, user: str) -> Iterator[dict[str, Page]]:
    """`user` signed in once in each layout, by the layout's name."""
    with ExitStack() as stack:
        yield {
            layout.name: stack.enter_context(signed_in_page(browser, county, user, layout))
            for layout in LAYOUTS
        }


def face(page: Page, within: str) -> None:
    """Bring the page to the front and `within` into view. Do it before reading where a graph
    or map drew something: a page behind another (`signed_in_pages`) gets no animation frames,
    and what it drew moves once it is in front."""
    page.bring_to_front()
    page.locator(within).scroll_into_view_if_needed()


def tap(page: Page, layout: Layout, within: str, spot: dict[str, float]) -> None:
    """A tap on the phone, a click on the desk, at `spot` inside the element `within` (read
    after `face`)."""
    face(page, within)
    box = page.locator(within).bounding_box()
    assert box is not None
    x, y = box["x"] + spot["x"], box["y"] + spot["y"]
    if layout.touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def visit(page: Page, layout: Layout, county: County, path: str, name: str) -> None:
    """Open `path`, which must answer 200, and check it."""
    response = page.goto(county.url + path)
    assert response is not None
    assert response.status == 200, (path, response.status)
    check_page(page, layout, name)


def open_network(page: Page, layout: Layout, entity: str, name: str) -> int:
    """From a profile, its network: Cytoscape draws exactly the nodes its table lists.
    Returns how many."""
    page.click(f"#graph-links a[href='/network/{entity}']")
    expect(page.locator("#network-graph[data-drawn]")).to_be_attached()
    drawn = int(page.evaluate("() => window.polestar.network.nodes().length"))
    assert drawn == page.locator("#network-nodes tbody tr").count() >= 1
    check_page(page, layout, name)
    return drawn


def open_map(page: Page, layout: Layout, entity: str, name: str) -> int:
    """From a profile, its map: Leaflet draws the county's base layer and one point per row
    of the events table. Returns how many points."""
    page.click(f"#graph-links a[href='/map/{entity}']")
    expect(page.locator("#map[data-base][data-points]")).to_be_attached()
    drawn = page.evaluate("() => window.polestar.drawn")
    assert drawn["base"] == len(GEOMETRY["features"])
    assert page.locator(".leaflet-tooltip.town").inner_text() == "Stone"
    points = int(drawn["points"])
    # The table's rows, less the one that says there are none.
    assert points == page.locator("#map-events tbody tr:has(td.sources)").count()
    check_page(page, layout, name)
    return points


def confirm_review_item(page: Page, layout: Layout, county: County, item: int) -> None:
    """An analyst reads the explanation of review item `item` and confirms it; it leaves the
    queue and its reason shows in the target's history."""
    visit(page, layout, county, "/review", "review-queue")
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
    visit(page, layout, county, "/review/entities", "review-entities")
    visit(page, layout, county, f"/review/history?entity={county.seeded.target}", "review-history")
    assert "Same PNC ID" in page.locator("#decisions").inner_text()
