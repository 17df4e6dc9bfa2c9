"""Journeys in real Chromium over the canary county, in both layouts: sign in → choose a
purpose → search a misspelt name → open the profile → its network → its map → sign out, as
an analyst (who also confirms a review item), an officer and a fire service caseworker (who
have no review queue, and the caseworker is never shown what the agreement withholds).
Every page on the way passes axe-core, and on the phone every control is 44 × 44 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.canary import (
    ALL,
    ASSOCIATE,
    CALLER,
    INTEL_KEY,
    JUSTIFICATION,
    PURPOSES,
    VEHICLE,
    VICTIM,
    canaries_in,
    canaries_on_page,
    expected,
    expected_location,
    expected_vehicle,
)
from tests.e2e.browser import DESKTOP, PHONE, Layout, check_page
from tests.e2e.county import County
from tests.e2e.steps import (
    confirm_review_item,
    open_map,
    open_network,
    signed_in_page,
    signed_in_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MISSPELT = "Tobias Quilfeather"
JOURNEYS = [
    ("home-analyst", "analyst"),
    ("home-officer", "officer"),
    ("fire-caseworker", "caseworker"),
]
CONFIRMS = {DESKTOP.name: "target", PHONE.name: "intelligence"}  # one review item per layout
WITHHELD_FROM_FIRE = {ASSOCIATE, VICTIM, CALLER, VEHICLE, INTEL_KEY}


def cached_everything(page: Page) -> str:
    """Every URL and body the origin's caches hold, and its local and session storage."""
    return str(
        page.evaluate(
            """async () => {
                const out = [JSON.stringify(localStorage), JSON.stringify(sessionStorage)];
                for (const name of await caches.keys()) {
                    const cache = await caches.open(name);
                    for (const request of await cache.keys()) {
                        out.push(request.url, await (await cache.match(request)).text());
                    }
                }
                return out.join("\\n");
            }"""
        )
    )


def _search_and_open_profile(
    page: Page, county: County, layout: Layout, user: str, justified: bool
) -> None:
    """Search the misspelt name and open the target's profile, which shows this user exactly
    what the API shows them: nothing withheld leaks, nothing allowed is lost."""
    who = user.split("-")[-1]
    page.fill("#query", MISSPELT)
    page.click("#search-form button[type=submit]")
    expect(page.locator("#result-list")).to_be_visible()
    assert "/search" in page.url  # the query went in the body, not the URL
    assert "quil" not in page.url.lower()
    target = county.seeded.target
    allowed = expected(user, "target", justified)
    assert allowed is not None
    assert canaries_in(page.content()) <= allowed
    check_page(page, layout, f"results-{who}")

    page.click(f"#result-list a[href='/persons/{target}']")
    expect(page).to_have_url(re.compile(f"/persons/{target}$"))
    assert canaries_on_page(page.content()) == allowed
    if layout is PHONE:
        markers = page.locator("#markers")
        expect(markers).to_be_visible()
        first = page.locator("main h2:visible").first.bounding_box()
        box = markers.bounding_box()
        assert box is not None
        assert first is not None
        assert box["y"] <= first["y"], "warning markers come first on the phone"
        size = page.locator(".marker").first.evaluate("el => getComputedStyle(el).fontSize")
        assert float(size.removesuffix("px")) >= 20
    check_page(page, layout, f"person-{who}")


def _no_review_queue(page: Page, county: County, layout: Layout, who: str) -> None:
    """Not offered in the navigation, and the page answers 404 without a canary."""
    assert page.locator("nav.site-nav a[href='/review']").count() == 0
    response = page.goto(county.url + "/review")
    assert response is not None
    assert response.status == 404
    assert canaries_in(page.locator("main").inner_text()) == set()
    check_page(page, layout, f"review-404-{who}")


def _sign_out_empties_the_browser(page: Page, county: County) -> None:
    """Signing out empties what the origin stored (the worker may then re-cache its static
    files, never more): a planted cache and storage entry must be gone."""
    page.evaluate(
        """async () => {
            localStorage.setItem("planted", "zqplanted");
            await (await caches.open("planted")).put("/planted", new Response("zqplanted"));
        }"""
    )
    page.click(".sign-out button")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    assert "planted" not in page.evaluate("() => caches.keys()")
    assert "zqplanted" not in cached_everything(page)
    page.goto(county.url + f"/persons/{county.seeded.target}")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


@pytest.mark.parametrize(("user", "who"), JOURNEYS, ids=[who for _, who in JOURNEYS])
def test_journey(browser: Browser, county: County, layout: Layout, user: str, who: str) -> None:
    target = county.seeded.target
    # The analyst states a justification: the review item on the phone is intelligence.
    justified = who == "analyst"
    justification = JUSTIFICATION * justified
    with signed_in_page(
        browser, county, user, layout, justification=justification, checked=True
    ) as page:
        # The shell says who is signed in and why.
        expect(page.locator("#shell-user")).to_have_text(user)
        expect(page.locator("#shell-purpose")).to_have_text(PURPOSES[user].replace("-", " "))
        check_page(page, layout, f"search-{who}")
        _search_and_open_profile(page, county, layout, user, justified)

        nodes = open_network(page, layout, target, f"network-{who}")
        network = canaries_in(page.content())
        page.go_back()
        points = open_map(page, layout, target, f"map-{who}")
        if who == "caseworker":
            allowed = expected(user, "target", False)
            assert allowed is not None
            shown = network | canaries_in(page.content())
            assert shown <= allowed, shown - allowed
            assert shown.isdisjoint(WITHHELD_FROM_FIRE), shown
        else:
            assert nodes > 2
            assert points > 0

        assert page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        assert canaries_in(cached_everything(page)) == set(), "personal data in the caches"
        response = page.request.get(county.url + f"/persons/{target}")
        assert response.headers["cache-control"] == "no-store"

        if who == "analyst":
            confirm_review_item(page, layout, county, county.items[CONFIRMS[layout.name]])
        else:
            _no_review_queue(page, county, layout, who)
        _sign_out_empties_the_browser(page, county)


@pytest.fixture(scope="module")
def officer(browser: Browser, county: County) -> Iterator[dict[str, Page]]:
    """An officer signed in once per layout, for the pages beyond the journey."""
    with signed_in_pages(browser, county, "home-officer") as pages:
        yield pages


def test_vehicle_and_location_pages(
    officer: dict[str, Page], county: County, layout: Layout
) -> None:
    page = officer[layout.name]
    for path, allowed, name in (
        (f"/vehicles/{county.seeded.vehicle}", expected_vehicle("home-officer", False), "vehicle"),
        (f"/locations/{county.seeded.location}", expected_location("home-officer", False), "place"),
    ):
        response = page.goto(county.url + path)
        assert response is not None
        assert response.status == 200
        assert allowed is not None
        assert canaries_on_page(page.content()) == allowed
        check_page(page, layout, f"{name}-officer")
    expect(page.locator("#hazards")).to_contain_text("zqhazard")


def test_signed_in_error_pages_and_paging(
    officer: dict[str, Page], county: County, layout: Layout
) -> None:
    page = officer[layout.name]
    response = page.goto(county.url + "/persons/PER-000000000000")
    assert response is not None
    assert response.status == 404
    expect(page.locator("#shell-user")).to_have_text("home-officer")
    check_page(page, layout, "error-404-signed-in")
    page.goto(county.url + "/search")
    page.fill("#query", "!!!")
    page.click("#search-form button[type=submit]")
    expect(page.locator("#search-error")).to_be_visible()
    check_page(page, layout, "search-error")
    assert not any(c in page.url.lower() for c in ALL)
