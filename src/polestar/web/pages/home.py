"""The home page: what the store holds, counts only, no personal data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from polestar.ingest.reports import store_summary
from polestar.pole.vocabularies import Kind
from polestar.web.pages.shell import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Counts per source and POLE kind, and quarantine counts with their reasons."""
    summary = store_summary(request.app.state.engine)
    return templates.TemplateResponse(
        request,
        "home.html",
        {"summary": summary, "kinds": [kind.value for kind in Kind]},
    )
