"""`/search`: one search box with filters, results a page at a time.

The query and the filters travel in a POST body, never in the URL (CONVENTIONS.md), so
neither history, bookmarks nor access logs hold them; the next page is another POST carrying
the same fields and the previous page's cursor. With HTMX the results swap in place; without
JavaScript the same form posts and the whole page comes back.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator

from polestar.errors import InvalidInput
from polestar.search import search
from polestar.search.filters import Filters
from polestar.search.results import KINDS, sources_to_narrow_by
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages.shell import templates
from polestar.web.sessions import PageViewer

router = APIRouter()
PAGE_SIZE = 20


class SearchForm(BaseModel):
    """The search form as posted; an empty field is an absent filter."""

    query: str = Field("", max_length=500)
    kind: str = Field("", max_length=20)
    source: str = Field("", max_length=40)
    born_from: date | None = None
    born_to: date | None = None
    cursor: str | None = Field(None, max_length=64)

    @field_validator("born_from", "born_to", "cursor", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


def _render(
    request: Request,
    form: SearchForm,
    sources: list[str],
    status: int = 200,
    **found: Any,
) -> HTMLResponse:
    context = {"form": form, "kinds": KINDS, "sources": sources, **found}
    return templates.TemplateResponse(request, "search.html", context, status_code=status)


@router.get("/search", response_class=HTMLResponse)
def search_form(
    request: Request, viewer: PageViewer, engine: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """The empty form, offering the sources the viewer may narrow a search to."""
    return _render(request, SearchForm(), sources_to_narrow_by(engine, settings, viewer))


@router.post("/search", response_class=HTMLResponse)
def search_results(
    request: Request,
    form: Annotated[SearchForm, Form()],
    viewer: PageViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Entities answering the query, as the viewer may see them; audited by `search`."""
    sources = sources_to_narrow_by(engine, settings, viewer)
    try:
        filters = Filters(
            frozenset({form.source}) if form.source else frozenset(),
            form.born_from,
            form.born_to,
        )
        page = search(
            engine,
            settings,
            viewer,
            form.query,
            kind=form.kind or None,
            filters=filters,
            limit=PAGE_SIZE,
            cursor=form.cursor,
        )
    except InvalidInput as exc:
        return _render(request, form, sources, 422, error=exc)
    return _render(request, form, sources, page=page)
