"""A real `polestar serve` (uvicorn on a free loopback port), as `make demo` runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from polestar.settings import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    settings: Settings, log: Path | None = None, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the server on `settings`' store; yields its URL and process once it answers.

    Args:
        log: a file for the server's output; without one it goes to pipes, which a server
            answering thousands of requests (a load test) would fill and then block on.
        workers: server processes (`polestar serve --workers`).
    """
    env = {
        **os.environ,
        "POLESTAR_DATABASE_URL": str(settings.database_url),
        "POLESTAR_DATA_DIR": str(settings.data_dir),
    }
    polestar = Path(sys.executable).with_name("polestar")
    handle = None if log is None else log.open("wb")
    process = subprocess.Popen(
        [str(polestar), "serve", "--port", str(port := _free_port()), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE if handle is None else handle,
        stderr=subprocess.PIPE if handle is None else subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a busy two-core machine importing the app alone can take half a minute.
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(url + "/sign-in", timeout=1)  # a page that reads almost nothing
                break
            except httpx.TransportError:
                assert process.poll() is None, (
                    process.communicate()[1].decode() if log is None else log.read_text()
                )
                assert time.monotonic() < deadline, "the server did not answer within 90 s"
                time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        if handle is not None:
            handle.close()
