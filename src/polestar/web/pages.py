"""Server-rendered pages. For now the home page: what the store holds, with no personal data."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from polestar.ingest.reports import store_summary
from polestar.pole.vocabularies import Kind

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Counts per source and POLE kind, and quarantine counts with their reasons."""
    summary = store_summary(request.app.state.engine)
    return templates.TemplateResponse(
        request,
        "home.html",
        {"summary": summary, "kinds": [kind.value for kind in Kind]},
    )
