"""`/review`: the linkage review queue for analysts and supervisors — open items with both
records side by side, the match explanation, confirm or reject with a reason, merge, split,
and an entity's decision history.

Each handler calls the same domain function as `/api/v1/review`, `/api/v1/entities` and
`polestar link …`, with the signed-in viewer: listing and explaining are scoped and audited
as consultations, decisions as alterations. Record names (`SOURCE:KEY`, possibly a CRN) travel
in form bodies only, never in a URL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from polestar.access import Viewer
from polestar.linkage.decisions import Reviewer, history, merge, split
from polestar.linkage.explanations import explain
from polestar.linkage.review import decide, review_list
from polestar.search import refresh
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.abilities import ReviewerViewer
from polestar.web.pages.shell import templates

router = APIRouter(prefix="/review")
PAGE_SIZE = 20
Reason = Annotated[str, Form(max_length=2000)]
Name = Annotated[str, Form(max_length=320)]


def reviewer_of(viewer: Viewer) -> Reviewer:
    """The decision's author: the signed-in user, as the ledger and the audit trail name them."""
    return Reviewer(viewer.user, viewer.organisation, viewer.role)


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    cursor: int | None = None,
    decided: int | None = None,
) -> HTMLResponse:
    """Open items whose both records the viewer may see, a page at a time."""
    page = review_list(engine, settings, viewer, limit=PAGE_SIZE, cursor=cursor)
    context = {"page": page, "decided": decided}
    return templates.TemplateResponse(request, "review/queue.html", context)


@router.post("/{item}/decision")
def decide_item(
    item: int,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    decision: Annotated[str, Form(max_length=16)],
    reason: Reason,
) -> Response:
    """Confirm (one person) or reject (two people) an item's pair, then back to the queue."""
    decide(engine, settings, reviewer_of(viewer), item, decision, reason)
    return RedirectResponse(f"/review?decided={item}", status_code=303)


@router.post("/explanation", response_class=HTMLResponse)
def explanation(
    request: Request,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    left: Name,
    right: Name,
) -> HTMLResponse:
    """Why the two records score as they do; a fragment for HTMX, else a page of its own."""
    explained = explain(engine, settings, viewer, left, right).as_dict()
    fragment = request.headers.get("HX-Request") == "true"
    name = "review/_explanation.html" if fragment else "review/explanation.html"
    return templates.TemplateResponse(request, name, {"explanation": explained})


@router.get("/entities", response_class=HTMLResponse)
def entities(request: Request, viewer: ReviewerViewer) -> HTMLResponse:
    """The forms to merge two entities, split records out of one, and read one's history."""
    return templates.TemplateResponse(request, "review/entities.html", {"outcome": None})


@router.post("/merge", response_class=HTMLResponse)
def merge_entities(
    request: Request,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    first: Annotated[str, Form(max_length=32)],
    second: Annotated[str, Form(max_length=32)],
    reason: Reason,
) -> HTMLResponse:
    """Merge two person entities into the older id, now and in every later run."""
    outcome = merge(engine, settings, reviewer_of(viewer), first.strip(), second.strip(), reason)
    refresh(engine, outcome.record_ids)  # searchable under the entity they joined
    context = {"outcome": outcome, "action": "Merged"}
    return templates.TemplateResponse(request, "review/entities.html", context)


@router.post("/split", response_class=HTMLResponse)
def split_entity(
    request: Request,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    entity: Annotated[str, Form(max_length=32)],
    records: Annotated[str, Form(max_length=20_000)],
    reason: Reason,
) -> HTMLResponse:
    """Split the records named one per line out of a person entity."""
    names = [line.strip() for line in records.splitlines() if line.strip()]
    outcome = split(engine, settings, reviewer_of(viewer), entity.strip(), names, reason)
    refresh(engine, outcome.record_ids)  # searchable under the entity they now belong to
    context = {"outcome": outcome, "action": "Split"}
    return templates.TemplateResponse(request, "review/entities.html", context)


@router.get("/history", response_class=HTMLResponse)
def entity_history(
    request: Request,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    entity: str,
) -> HTMLResponse:
    """The decisions people made about an entity (and ids merged into it), oldest first."""
    found = history(engine, settings, reviewer_of(viewer), entity.strip()[:32])
    context = {"entity": entity, "decisions": found}
    return templates.TemplateResponse(request, "review/history.html", context)
