"""`polestar serve` as `make demo` runs it: a real uvicorn server answering on a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def test_serve_workers_start_that_many_server_processes(settings: Settings) -> None:
    with serving(settings, workers=2) as (url, process):
        assert httpx.get(url + "/", timeout=5).status_code == 200
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert sum(b"spawn_main" in command for command in commands) == 2
