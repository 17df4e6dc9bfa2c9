"""Real headless Chromium (Debian's, driven by Playwright's sync API; SETUP-NOTES.md), the two
layouts users expect, and the checks every page gets: axe-core, touch targets, a screenshot.

One browser per test session; each layout keeps one context and one page that tests reuse,
so the whole browser share of `make test` stays within minutes on two cores.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = ROOT / "test-artifacts"
MIN_TARGET = 44  # CSS pixels, each way (issue 8)


@dataclass(frozen=True)
class Layout:
    name: str
    width: int
    height: int
    touch: bool


DESKTOP = Layout("desktop", 1280, 800, touch=False)
PHONE = Layout("phone", 360, 800, touch=True)
LAYOUTS = (DESKTOP, PHONE)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def new_context(browser: Browser, layout: Layout) -> BrowserContext:
    """A fresh profile (cookies, caches, service workers) in `layout`."""
    return browser.new_context(
        viewport={"width": layout.width, "height": layout.height},
        is_mobile=layout.touch,
        has_touch=layout.touch,
        device_scale_factor=1,
        locale="en-GB",
        timezone_id="Europe/London",
    )


def screenshot(page: Page, layout: Layout, name: str) -> Path:
    """Save the whole page to the git-ignored `test-artifacts/`, for people to judge."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{layout.name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')]
  .filter(el => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0
      && box.right > 0 && box.bottom > 0 && box.left < innerWidth;
  })
  .map(el => {
    // A radio or checkbox is tapped through its label.
    const tapped = ['radio', 'checkbox'].includes(el.type) && el.closest('label') || el;
    const box = tapped.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 80), width: box.width, height: box.height};
  })"""


def small_targets(page: Page) -> list[dict[str, Any]]:
    """Visible controls smaller than 44 × 44 CSS pixels, measured from their bounding boxes."""
    targets: list[dict[str, Any]] = page.evaluate(_TARGETS)
    assert targets, "no controls found: the measurement would prove nothing"
    return [t for t in targets if t["width"] < MIN_TARGET - 0.5 or t["height"] < MIN_TARGET - 0.5]


def check_page(page: Page, layout: Layout, name: str) -> None:
    """What every page must pass in every layout: axe-core, and touch targets on the phone."""
    screenshot(page, layout, name)
    violations = axe_violations(page)
    assert violations == [], f"{name} ({layout.name}): {violations}"
    if layout.touch:
        small = small_targets(page)
        assert small == [], f"{name}: {small}"
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1"), (
        f"{name} scrolls sideways in the {layout.name} layout"
    )
