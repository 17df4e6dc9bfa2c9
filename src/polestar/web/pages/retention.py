"""`/retention`: MoPI review for supervisors and administrators of the home force — what is
due, retain with a reason, dispose with a reason after a confirmation step.

The same domain functions as `polestar retention review|retain|dispose`, acting as the
signed-in user (audit entries name them): the list is a consultation, a retain decision an
alteration, a disposal an erasure. Entities are named by id only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from polestar.retention.disposal import dispose
from polestar.retention.review import due, retain
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.abilities import RetentionViewer
from polestar.web.pages.shell import templates

router = APIRouter(prefix="/retention")
SHOWN = 200  # the longest overdue first; a decision takes one off the list
Reason = Annotated[str, Form(max_length=2000)]


@router.get("", response_class=HTMLResponse)
def review(
    request: Request,
    viewer: RetentionViewer,
    engine: StoreDep,
    settings: SettingsDep,
    by: date | None = None,
    retained: str | None = None,
) -> HTMLResponse:
    """Person entities due for review by today (or by the day `by`, to plan ahead), the
    longest overdue first."""
    listed = due(engine, settings, actor=viewer.actor, today=by)
    context = {"due": listed[:SHOWN], "total": len(listed), "by": by, "retained": retained}
    return templates.TemplateResponse(request, "retention/review.html", context)


@router.post("/{entity_id}/retain")
def retain_entity(
    entity_id: str,
    viewer: RetentionViewer,
    engine: StoreDep,
    settings: SettingsDep,
    reason: Reason,
) -> Response:
    """Record a decision to retain, pushing the entity's next review on."""
    retain(engine, settings, entity_id, reason, actor=viewer.actor)
    return RedirectResponse(f"/retention?retained={entity_id}", status_code=303)


@router.get("/{entity_id}/dispose", response_class=HTMLResponse)
def confirm_disposal(request: Request, entity_id: str, viewer: RetentionViewer) -> HTMLResponse:
    """The confirmation step: disposal cannot be undone, so it is asked for twice."""
    context = {"entity_id": entity_id, "disposed": None}
    return templates.TemplateResponse(request, "retention/dispose.html", context)


@router.post("/{entity_id}/dispose", response_class=HTMLResponse)
def dispose_entity(
    request: Request,
    entity_id: str,
    viewer: RetentionViewer,
    engine: StoreDep,
    settings: SettingsDep,
    reason: Reason,
) -> HTMLResponse:
    """Dispose of the home force's records of the entity; partners' records stay."""
    disposed = dispose(engine, settings, entity_id, reason, actor=viewer.actor)
    context = {"entity_id": entity_id, "disposed": disposed}
    return templates.TemplateResponse(request, "retention/dispose.html", context)
