"""The body of a separate process that appends to the log (for the concurrency test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from polestar import audit
from polestar.settings import Settings
from polestar.store.engine import create_engine
from tests.audit.factories import lookup


def append(url: str, data_dir: str, actor: str, count: int, start: Any) -> None:
    """Wait for the other process, then append `count` entries as `actor`."""
    settings = Settings(database_url=url, data_dir=Path(data_dir))
    engine = create_engine(settings=settings)
    start.wait()
    for _ in range(count):
        audit.record(engine, lookup(actor), settings)
    engine.dispose()
