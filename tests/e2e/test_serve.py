"""`polestar serve` as `make demo` runs it: a real uvicorn server answering on a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from polestar.settings import Settings
from tests.e2e.servers import serving


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with serving(settings) as (url, _process):
        yield url


def test_serve_answers_the_home_page(server: str) -> None:
    response = httpx.get(server + "/", timeout=5)
    assert response.status_code == 200
    assert "Records per source and POLE kind" in response.text
    assert "Nothing ingested yet" in response.text
