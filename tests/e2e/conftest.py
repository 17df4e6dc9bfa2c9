"""Browser fixtures for the end-to-end tests (tests/e2e/browser.py)."""

from tests.e2e.browser import browser

__all__ = ["browser"]
