"""Browser fixtures for the end-to-end tests: one Chromium and one canary county per session
(tests/e2e/browser.py, tests/e2e/county.py), and each test run in both layouts that asks."""

import pytest

from tests.canary import canary_model
from tests.e2e.browser import LAYOUTS, Layout, browser
from tests.e2e.county import county

__all__ = ["browser", "canary_model", "county"]


@pytest.fixture(params=LAYOUTS, ids=lambda layout: layout.name)
def layout(request: pytest.FixtureRequest) -> Layout:
    chosen: Layout = request.param
    return chosen
