"""`/review`: the linkage review queue for analysts and supervisors — open items with both
records side by side, the match explanation, confirm or reject with a reason, merge, split,
and an entity's decision history.

Each handler calls the same domain function as `/api/v1/review`, `/api/v1/entities` and
`polestar link …`, with the signed-in viewer: listing and explaining are scoped and audited
as consultations, decisions as alterations. Record names (`SOURCE:KEY`, possibly a CRN) travel
in form bodies only, never in a URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from polestar.access import Viewer
from polestar.linkage.decisions import Reviewer, history, merge, split
from polestar.linkage.explanations import explain
from polestar.linkage.grounds import GROUNDS
from polestar.linkage.review import ReviewRecord, decide, review_list
from polestar.search import refresh
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.abilities import ReviewerViewer
from polestar.web.pages.shell import templates

router = APIRouter(prefix="/review")
PAGE_SIZE = 20
Reason = Annotated[str, Form(max_length=2000)]
Name = Annotated[str, Form(max_length=320)]


# The fields of a pair in the order a reviewer reads them: names, birth, identifiers, flags.
FIELD_ORDER = (
    "forename",
    "middle_names",
    "surname",
    "aliases",
    "dob",
    "gender",
    "pnc_id",
    "cro_number",
    "ni_number",
    "crn",
    "markers",
    "wanted",
    "missing",
)
# What linkage weighed beside the fields, read through the viewer's scope like them.
SURROUNDINGS = (("home", "homes"), ("reported from", "reported_from"), ("phone", "phones"))


def readable(value: Any) -> str:
    """A value of a record as a reviewer reads it: yes or no, a marker with its date, an
    alias as a name, lists one after another, nothing as a dash."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        if "code" in value:  # a warning marker
            return f"{value['code']} ({value['date']})" if value.get("date") else value["code"]
        if {"forename", "surname"} & set(value):  # an alias
            named = (value.get(part) for part in ("forename", "middle_names", "surname"))
            return " ".join(part for part in named if part) or "—"
        shown = [f"{key.replace('_', ' ')}: {readable(item)}" for key, item in value.items()]
        return "; ".join(shown) or "—"
    if isinstance(value, list | tuple):
        return "; ".join(readable(item) for item in value)
    return str(value)


def compared(records: Sequence[ReviewRecord]) -> list[tuple[str, str, str]]:
    """An item's rows: (label, left, right) for each field either record shows, in
    `FIELD_ORDER` then any other, and then the homes, places reported from and phones."""
    left, right = records
    present = [*left.values, *(name for name in right.values if name not in left.values)]
    ordered = [name for name in FIELD_ORDER if name in present]
    ordered += [name for name in present if name not in FIELD_ORDER]
    rows = [
        (name.replace("_", " "), readable(left.values.get(name)), readable(right.values.get(name)))
        for name in ordered
    ]
    rows += [
        (label, readable(getattr(left, name)), readable(getattr(right, name)))
        for label, name in SURROUNDINGS
    ]
    return rows


templates.env.filters["compared"] = compared


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
    ground: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Open items whose both records the viewer may see, a page at a time, of one ground or
    all."""
    ground = ground or None  # the filter's "all grounds" sends an empty value
    page = review_list(engine, settings, viewer, limit=PAGE_SIZE, cursor=cursor, ground=ground)
    context = {"page": page, "decided": decided, "ground": ground}
    return templates.TemplateResponse(request, "review/queue.html", context)


@router.post("/{item}/decision")
def decide_item(
    item: int,
    viewer: ReviewerViewer,
    engine: StoreDep,
    settings: SettingsDep,
    decision: Annotated[str, Form(max_length=16)],
    reason: Reason,
    ground: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Confirm (one person) or reject (two people) an item's pair, then back to the queue,
    on the ground the reviewer was working through."""
    decide(engine, settings, reviewer_of(viewer), item, decision, reason)
    query = {"decided": item, **({"ground": ground} if ground in GROUNDS else {})}
    return RedirectResponse(f"/review?{urlencode(query)}", status_code=303)


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
