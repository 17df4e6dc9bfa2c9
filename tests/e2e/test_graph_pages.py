"""The network and map pages in real Chromium over the canary county, in both layouts, beyond
what the journeys (test_journeys.py) already check of them: the network's filters, a tap on a
node or a point opening a profile or details, paths, and the hotspots' squares; each pass
axe-core and the phone's 44 px touch targets."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from polestar.pole.times import wall_clock
from tests.e2e.browser import Layout, check_page
from tests.e2e.county import County
from tests.e2e.steps import face, signed_in_pages, tap

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def analyst(browser: Browser, county: County) -> Iterator[dict[str, Page]]:
    """An analyst signed in once per layout."""
    with signed_in_pages(browser, county, "home-analyst") as pages:
        yield pages


def test_the_network_filters_and_a_tap_opens_a_profile(
    analyst: dict[str, Page], county: County, layout: Layout
) -> None:
    page = analyst[layout.name]
    target, caller = county.seeded.target, county.seeded.caller
    page.goto(f"{county.url}/network/{target}?hops=1")
    expect(page.locator("#network-graph[data-drawn]")).to_be_attached()
    page.click(".walk-filters summary")
    expect(page.locator("input[name=types][value=shared-phone]")).to_be_visible()
    check_page(page, layout, "network-filters-analyst")

    face(page, "#network-graph")
    spot = page.evaluate(
        "id => window.polestar.network.getElementById(id).renderedPosition()", caller
    )
    tap(page, layout, "#network-graph", spot)
    expect(page).to_have_url(re.compile(f"/persons/{caller}$"))

    page.goto(f"{county.url}/network/{caller}/paths?to={county.seeded.vehicle}")
    expect(page.locator("#chains > li").first).to_contain_text("shared phone")
    check_page(page, layout, "paths-analyst")


def test_a_tap_on_a_map_point_opens_its_details(
    analyst: dict[str, Page], county: County, layout: Layout
) -> None:
    page = analyst[layout.name]
    page.goto(f"{county.url}/map/{county.seeded.target}")
    expect(page.locator("#map[data-points]")).to_be_attached()
    face(page, "#map")
    spot = page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById('map-data').textContent);
            const point = data.points[0];
            const at = window.polestar.map.latLngToContainerPoint(
                [point.latitude, point.longitude]);
            // Every point drawn there: the tap opens the one on top.
            const times = data.points
                .filter((p) => p.latitude === point.latitude && p.longitude === point.longitude)
                .map((p) => p.occurred_at);
            return {x: at.x, y: at.y, address: point.address, times};
        }"""
    )
    tap(page, layout, "#map", {"x": spot["x"], "y": spot["y"]})
    expect(page.locator(".leaflet-popup-content")).to_contain_text("crime:")
    assert spot["address"]
    expect(page.locator(".leaflet-popup-content")).to_contain_text(spot["address"])
    # On the London clock, as the table below the map writes it.
    times = "|".join(re.escape(wall_clock(moment)) for moment in spot["times"] if moment)
    assert times
    expect(page.locator(".leaflet-popup-content")).to_contain_text(re.compile(times))
    check_page(page, layout, "map-popup-analyst")


def test_the_hotspots_draw_their_squares(
    analyst: dict[str, Page], county: County, layout: Layout
) -> None:
    page = analyst[layout.name]
    page.goto(f"{county.url}/map?month=2025-01&to_month=2025-03")
    expect(page.locator("#map[data-base]")).to_be_attached()
    drawn = page.evaluate("() => window.polestar.drawn")
    assert drawn["cells"] == page.locator("#hotspot-cells tbody tr").count() == 1
    check_page(page, layout, "hotspots-analyst")
    page.locator("#hotspot-cells button").click()
    expect(page.locator("h1")).to_have_text("Events in an area")
    expect(page.locator("#map[data-points]")).to_be_attached()
    assert page.evaluate("() => window.polestar.drawn.points") >= 2
    check_page(page, layout, "map-area-analyst")
