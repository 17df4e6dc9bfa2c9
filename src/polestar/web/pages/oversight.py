"""`/oversight`: the data protection officer's pages — who viewed a person (an entity or a
record), what a user viewed, heavy users on a day, and whether the audit trail verifies.

The questions go to `access.oversight` (the same functions as `/api/v1/audit/…`), which
records each one; a person's identifier (a record name may be a CRN) is posted in a form
body, never put in a URL. Verification reads the chain and writes nothing to it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from polestar import audit
from polestar.access import oversight
from polestar.pole.times import LONDON
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.abilities import OversightViewer
from polestar.web.pages.shell import templates

router = APIRouter(prefix="/oversight")
SHOWN = 500  # the most recent entries of an answer; the CLI and the API give them all


@router.get("", response_class=HTMLResponse)
def questions(request: Request, viewer: OversightViewer) -> HTMLResponse:
    """The questions the DPO may ask of the log."""
    today = datetime.now(LONDON).date()
    return templates.TemplateResponse(request, "oversight/index.html", {"today": today})


def _entries(request: Request, title: str, subject: str, found: list[audit.Found]) -> HTMLResponse:
    context = {"title": title, "subject": subject, "found": found[-SHOWN:], "total": len(found)}
    return templates.TemplateResponse(request, "oversight/entries.html", context)


@router.post("/who-viewed", response_class=HTMLResponse)
def who_viewed(
    request: Request,
    viewer: OversightViewer,
    engine: StoreDep,
    settings: SettingsDep,
    identifier: Annotated[str, Form(min_length=1, max_length=320)],
) -> HTMLResponse:
    """Who consulted or was shown an entity (`PER-…`) or a record (`SOURCE:KEY`)."""
    identifier = identifier.strip()
    found = oversight.who_viewed(engine, settings, viewer, identifier)
    return _entries(request, "Who viewed", identifier, found)


@router.post("/by-user", response_class=HTMLResponse)
def by_user(
    request: Request,
    viewer: OversightViewer,
    engine: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form(min_length=1, max_length=64)],
) -> HTMLResponse:
    """Everything the log holds of one user."""
    username = username.strip()
    found = oversight.by_user(engine, settings, viewer, username)
    return _entries(request, "What this user viewed", username, found)


@router.get("/heavy-users", response_class=HTMLResponse)
def heavy_users(
    request: Request,
    viewer: OversightViewer,
    engine: StoreDep,
    settings: SettingsDep,
    day: date | None = None,
) -> HTMLResponse:
    """Users whose lookups on a Europe/London day exceeded the alert threshold."""
    day = day or datetime.now(LONDON).date()
    heavy = oversight.heavy_users(engine, settings, viewer, day)
    context = {"day": day, "heavy": heavy, "threshold": settings.audit_lookups_per_day_alert}
    return templates.TemplateResponse(request, "oversight/heavy.html", context)


@router.get("/verify", response_class=HTMLResponse)
def verify(
    request: Request, viewer: OversightViewer, engine: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """Whether every entry of the trail is intact and chained (as `polestar audit verify`)."""
    report = audit.verify(engine, settings)
    return templates.TemplateResponse(request, "oversight/verify.html", {"report": report})
