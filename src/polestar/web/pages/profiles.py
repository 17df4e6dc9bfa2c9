"""`/persons/{id}`, `/vehicles/{id}` and `/locations/{id}`: the full profile pages, built by the
same audited, scoped domain functions as the API and the CLI, from the same JSON shape
(`as_dict()`), so a page can never show a field the API would not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from polestar.search.location_profile import location_view
from polestar.search.profile import in_question, person_view
from polestar.search.vehicle_profile import FACTS, vehicle_view
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.shell import templates
from polestar.web.sessions import PageViewer

router = APIRouter()
EVENTS = 20
# The events cursor names no record (it is a position), so it may travel in the URL.
Cursor = Annotated[str | None, Query(max_length=512)]


@router.get("/persons/{entity_id}", response_class=HTMLResponse)
def person_page(
    request: Request,
    entity_id: str,
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
    events_cursor: Cursor = None,
) -> HTMLResponse:
    """A person: warning markers first, then what each source says, with where from."""
    view = person_view(
        engine, settings, viewer, entity_id, events_limit=EVENTS, events_cursor=events_cursor
    )
    shown = view.as_dict()
    context = {"view": shown, "in_question": in_question(shown["provenance"])}
    return templates.TemplateResponse(request, "person.html", context)


@router.get("/vehicles/{entity_id}", response_class=HTMLResponse)
def vehicle_page(
    request: Request,
    entity_id: str,
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
    events_cursor: Cursor = None,
) -> HTMLResponse:
    """A vehicle: its plate and description as each source has them, and who used it."""
    view = vehicle_view(
        engine, settings, viewer, entity_id, events_limit=EVENTS, events_cursor=events_cursor
    )
    context = {"view": view.as_dict(), "facts": FACTS}
    return templates.TemplateResponse(request, "vehicle.html", context)


@router.get("/locations/{entity_id}", response_class=HTMLResponse)
def location_page(
    request: Request,
    entity_id: str,
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
    events_cursor: Cursor = None,
) -> HTMLResponse:
    """A place: fire and rescue hazards first, then its addresses, residents and events."""
    view = location_view(
        engine, settings, viewer, entity_id, events_limit=EVENTS, events_cursor=events_cursor
    )
    return templates.TemplateResponse(request, "location.html", {"view": view.as_dict()})
