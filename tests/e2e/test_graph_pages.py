"""The network and map pages in real Chromium over the canary county, in both layouts: the
graph's Cytoscape nodes and the map's Leaflet features are drawn from the page's own data,
match its tables, open profiles and details on a tap, and pass axe-core and the phone's 44 px
touch targets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.canary import canary_model
from tests.e2e.browser import LAYOUTS, Layout, check_page, new_context
from tests.e2e.county import County, county
from tests.e2e.test_journeys import sign_in

__all__ = ["canary_model", "county"]
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# A small county around Stone, where the canary crimes happened: the base layer's geometry.
STONE = [-2.1613, 52.9044]
COUNTY = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"kind": "boundary", "name": "Synthetic county"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-2.3, 52.8], [-2.0, 52.8], [-2.0, 53.0], [-2.3, 53.0], [-2.3, 52.8]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"kind": "town", "name": "Stone"},
            "geometry": {"type": "Point", "coordinates": STONE},
        },
        {
            "type": "Feature",
            "properties": {"kind": "street", "name": "Market Square"},
            "geometry": {"type": "LineString", "coordinates": [[-2.17, 52.90], [-2.15, 52.91]]},
        },
    ],
}


@pytest.fixture(scope="module")
def analyst(browser: Browser, county: County) -> Iterator[dict[str, Page]]:
    """An analyst signed in once per layout, with the county's geometry in place."""
    (county.seeded.settings.data_dir / "county.geojson").write_text(json.dumps(COUNTY))
    contexts = [new_context(browser, layout) for layout in LAYOUTS]
    pages = {}
    for context, layout in zip(contexts, LAYOUTS, strict=True):
        pages[layout.name] = context.new_page()
        sign_in(pages[layout.name], county, "home-analyst", layout)
    yield pages
    for context in contexts:
        context.close()


@pytest.fixture(params=LAYOUTS, ids=lambda layout: layout.name)
def layout(request: pytest.FixtureRequest) -> Layout:
    layout: Layout = request.param
    return layout


def tap(page: Page, layout: Layout, x: float, y: float) -> None:
    """A tap on the phone, a click on the desk."""
    if layout.touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def test_the_network_draws_its_nodes_and_a_tap_opens_a_profile(
    analyst: dict[str, Page], county: County, layout: Layout
) -> None:
    page = analyst[layout.name]
    target, caller = county.seeded.target, county.seeded.caller
    page.goto(f"{county.url}/network/{target}?hops=1")
    expect(page.locator("#network-graph[data-drawn]")).to_be_attached()
    drawn = page.evaluate("() => window.polestar.network.nodes().length")
    rows = page.locator("#network-nodes tbody tr").count()
    assert drawn == rows > 2
    check_page(page, layout, "network-analyst")
    page.click(".walk-filters summary")
    expect(page.locator("input[name=types][value=shared-phone]")).to_be_visible()
    check_page(page, layout, "network-filters-analyst")

    graph = page.locator("#network-graph")
    graph.scroll_into_view_if_needed()
    box = graph.bounding_box()
    assert box is not None
    spot = page.evaluate(
        "id => window.polestar.network.getElementById(id).renderedPosition()", caller
    )
    tap(page, layout, box["x"] + spot["x"], box["y"] + spot["y"])
    expect(page).to_have_url(re.compile(f"/persons/{caller}$"))

    page.goto(f"{county.url}/network/{caller}/paths?to={county.seeded.vehicle}")
    expect(page.locator("#chains > li").first).to_contain_text("shared phone")
    check_page(page, layout, "paths-analyst")


def test_the_map_draws_the_county_and_his_events(
    analyst: dict[str, Page], county: County, layout: Layout
) -> None:
    page = analyst[layout.name]
    page.goto(f"{county.url}/map/{county.seeded.target}")
    expect(page.locator("#map[data-base]")).to_be_attached()
    drawn = page.evaluate("() => window.polestar.drawn")
    assert drawn["base"] == len(COUNTY["features"])
    assert drawn["points"] == page.locator("#map-events tbody tr").count() > 0
    assert page.locator(".leaflet-tooltip.town").inner_text() == "Stone"
    check_page(page, layout, "map-events-analyst")

    page.locator("#map").scroll_into_view_if_needed()
    spot = page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById('map-data').textContent);
            const point = data.points[0];
            const at = window.polestar.map.latLngToContainerPoint(
                [point.latitude, point.longitude]);
            return {x: at.x, y: at.y};
        }"""
    )
    box = page.locator("#map").bounding_box()
    assert box is not None
    tap(page, layout, box["x"] + spot["x"], box["y"] + spot["y"])
    expect(page.locator(".leaflet-popup-content")).to_contain_text("crime:")
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
