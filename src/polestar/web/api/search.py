"""`POST /api/v1/search`: golden entities answering a query, as the caller may see them.

The query travels in the JSON body, never in the URL (CONVENTIONS.md), so neither access logs
nor browser history hold it; pages follow with the `cursor` of the previous one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.search import search
from polestar.search.filters import Filters
from polestar.search.results import ACTION, DEFAULT_LIMIT, MAX_LIMIT
from polestar.web.api.sections import LastSeen
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(tags=["search"])
ReadCaller = Annotated[Principal, Depends(Caller("read", ACTION))]


class SearchIn(BaseModel):
    """A search: what was typed, and which page."""

    query: str = Field(
        description="A name, date of birth, plate or vehicle (make, model, colour), postcode, "
        "address or phone."
    )
    kind: Literal["person", "vehicle", "location"] | None = None
    sources: list[str] = Field(
        default_factory=list, max_length=20, description="Only entities with a record there."
    )
    born_from: date | None = Field(None, description="Only people born on or after this day.")
    born_to: date | None = Field(None, description="Only people born on or before this day.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


class ResultOut(BaseModel):
    entity_id: str
    kind: str
    score: float
    display_name: str | None
    sources: int = Field(description="How many source systems hold a record you may see.")
    last_seen: LastSeen
    markers: list[str] = Field(description="Warning marker codes, in the PNC's order.")
    born: date | None = Field(
        None,
        description="A person's date of birth as most of their records you may see give it, "
        "to tell namesakes apart; null where none you may see gives one, and for other kinds.",
    )


class SearchOut(BaseModel):
    results: list[ResultOut]
    total: int
    cursor: str | None = Field(description="Pass it back for the next page; null on the last.")
    withheld: list[str] = Field(
        description="What a justification (`X-Polestar-Justification`) would also show: the "
        "restricted categories and sensitive fields your agreement holds back without one."
    )


@router.post("/search", response_model=SearchOut)
def post_search(
    body: SearchIn,
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
) -> SearchOut:
    """Entities answering `query` for the purpose in `X-Polestar-Purpose`, best first."""
    viewer = viewer_of(caller, purpose, justification)
    page = search(
        engine,
        settings,
        viewer,
        body.query,
        kind=body.kind,
        filters=Filters(frozenset(body.sources), body.born_from, body.born_to),
        limit=body.limit,
        cursor=body.cursor,
    )
    return SearchOut(
        results=[ResultOut(**result.as_dict(), born=result.born) for result in page.results],
        total=page.total,
        cursor=page.cursor,
        withheld=list(page.withheld),
    )
