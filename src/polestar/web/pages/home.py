"""The home page: what the store holds, counts only, no personal data."""

from __future__ import annotations

import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from polestar.ingest.reports import StoreSummary, store_summary
from polestar.pole.vocabularies import Kind
from polestar.store.engine import Engine
from polestar.web.pages.shell import templates

router = APIRouter()

# Seconds a process shows the same counts before it counts again.
FRESH_FOR = 60.0


class Summaries:
    """The store's summary, counted at most once every `FRESH_FOR` seconds per process.

    Counting reads every row of the store (2.7 s at 1,000,000 person records), and the page
    is open to anyone, signed in or not: counting at every request let any visitor keep the
    server busy. The counts change only when an ingest runs, so a minute's delay is harmless.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()  # one request counts; the others wait for its result
        self._counted: tuple[float, StoreSummary] | None = None

    def current(self) -> StoreSummary:
        with self._lock:
            now = _clock()
            if self._counted is None or now - self._counted[0] >= FRESH_FOR:
                self._counted = (now, store_summary(self.engine))
            return self._counted[1]


def _clock() -> float:
    return time.monotonic()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Counts per source and POLE kind, and quarantine counts with their reasons."""
    summaries: Summaries = request.app.state.summaries
    return templates.TemplateResponse(
        request,
        "home.html",
        {"summary": summaries.current(), "kinds": [kind.value for kind in Kind]},
    )
