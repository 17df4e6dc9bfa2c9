"""A test client on the canary store, and every log line the application writes meanwhile."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from polestar.web.app import create_app
from tests.canary import Seeded


class Collected(logging.Handler):
    """The server side's log lines (httpx logs the test client's own requests)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(("httpx", "httpcore")):
            self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logs() -> Iterator[Collected]:
    """Every log line any logger writes while the module runs, at every level."""
    handler = Collected()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="module")
def client(canary: Seeded, logs: Collected) -> Iterator[TestClient]:
    with TestClient(create_app(canary.settings)) as client:
        yield client
