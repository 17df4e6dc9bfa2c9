"""`polestar serve` as `make demo` runs it: a real uvicorn server answering on a real socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from polestar.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "POLESTAR_DATABASE_URL": str(settings.database_url)}
    polestar = Path(sys.executable).with_name("polestar")
    process = subprocess.Popen(
        [str(polestar), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1].decode()
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_answers_the_home_page(server: str) -> None:
    response = httpx.get(server + "/", timeout=5)
    assert response.status_code == 200
    assert "Records per source and POLE kind" in response.text
    assert "Nothing ingested yet" in response.text
