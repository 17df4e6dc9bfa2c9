"""The page shell in real Chromium, before anyone signs in: the home, offline and error pages
pass axe-core in both layouts, the phone's controls are big enough, and the installable app's
manifest, service worker and offline page behave."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from polestar.settings import Settings
from tests.e2e.browser import LAYOUTS, PHONE, Layout, check_page, new_context
from tests.e2e.servers import serving

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("shell")
    settings = Settings(database_url=f"sqlite:///{folder / 'polestar.db'}", data_dir=folder)
    with serving(settings) as (url, _process):
        yield url


@pytest.fixture(scope="module", params=LAYOUTS, ids=lambda layout: layout.name)
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, Layout]]:
    layout: Layout = request.param
    context = new_context(browser, layout)
    yield context.new_page(), layout
    context.close()


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/", 200, "Polestar"),
        ("/offline", 200, "You are offline"),
        ("/no/such/page", 404, "Not found"),
    ],
)
def test_pages_pass_axe_in_both_layouts(
    server: str, page: tuple[Page, Layout], path: str, status: int, heading: str
) -> None:
    tab, layout = page
    response = tab.goto(server + path)
    assert response is not None
    assert response.status == status
    assert tab.locator("h1").inner_text() == heading
    check_page(tab, layout, f"shell{path}")


def test_a_405_is_a_page_in_the_shell(server: str, page: tuple[Page, Layout]) -> None:
    tab, layout = page
    # As a browser meets it: a form posted to a page that only shows.
    tab.set_content(f'<form method="post" action="{server}/offline"><button>Go</button></form>')
    with tab.expect_navigation():
        tab.click("button")
    assert tab.locator("h1").inner_text() == "Not available here"
    assert tab.locator("main#main").count() == 1
    assert "Traceback" not in tab.content()
    check_page(tab, layout, "error-405")


def test_skip_link_is_first_and_moves_focus_to_main(server: str, page: tuple[Page, Layout]) -> None:
    tab, _layout = page
    tab.goto(server + "/offline")
    tab.keyboard.press("Tab")
    focused = tab.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to main content"
    outline = tab.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none"
    assert outline[1] >= 2  # focus is visible
    box = tab.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0  # it shows when focused
    tab.keyboard.press("Enter")
    assert tab.evaluate("() => location.hash") == "#main"


def test_manifest_makes_the_app_installable(server: str) -> None:
    response = httpx.get(server + "/manifest.webmanifest", timeout=5)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/search"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert httpx.get(server + icon["src"], timeout=5).status_code == 200, icon


def test_offline_the_service_worker_shows_the_offline_page(server: str, browser: Browser) -> None:
    context = new_context(browser, PHONE)
    try:
        tab = context.new_page()
        tab.goto(server + "/")
        tab.evaluate("() => navigator.serviceWorker.ready")
        tab.reload()  # now under the worker's control
        assert tab.evaluate("() => !!navigator.serviceWorker.controller")
        context.set_offline(True)
        tab.goto(server + "/search")
        assert tab.locator("h1").inner_text() == "You are offline"
        cached = tab.evaluate(
            """async () => {
                const urls = [];
                for (const name of await caches.keys()) {
                    for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
                }
                return urls.map(u => new URL(u).pathname);
            }"""
        )
        assert "/offline" in cached
        shell = {"/offline", "/manifest.webmanifest"}
        assert all(p.startswith("/static/") or p in shell for p in cached), cached
    finally:
        context.close()
