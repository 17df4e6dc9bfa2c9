"""`GET /api/v1/locations/{entity_id}`: one place as the caller may see it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.search.location_profile import ACTION, location_view
from polestar.web.api.sections import (
    EVENTS_LIMIT,
    EventPageOut,
    EventsCursor,
    EventsLimit,
    LastSeen,
    LinkedPersonOut,
    ProvenanceOut,
    SourcedOut,
    TimelineEntryOut,
)
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(tags=["locations"])
ReadCaller = Annotated[Principal, Depends(Caller("read", ACTION))]


class ResidentOut(LinkedPersonOut):
    from_: str | None = Field(alias="from")
    to: str | None


class LocationOut(BaseModel):
    """A place built from the records the caller may see; see
    `search.location_profile.LocationView`."""

    entity_id: str
    display_name: str | None
    addresses: list[SourcedOut]
    postcodes: list[SourcedOut]
    uprns: list[SourcedOut]
    records: list[str]
    residents: list[ResidentOut]
    hazards: list[SourcedOut]
    premises: dict[str, list[SourcedOut]]
    events: EventPageOut
    timeline: list[TimelineEntryOut]
    timeline_total: int
    provenance: list[ProvenanceOut]
    source_counts: dict[str, int]
    last_seen: LastSeen
    withheld: list[str]


@router.get("/locations/{entity_id}", response_model=LocationOut)
def get_location(
    entity_id: str,
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
    events_limit: EventsLimit = EVENTS_LIMIT,
    events_cursor: EventsCursor = None,
) -> LocationOut:
    """The place, for the purpose in `X-Polestar-Purpose`; 404 if none of it is visible."""
    viewer = viewer_of(caller, purpose, justification)
    view = location_view(
        engine, settings, viewer, entity_id, events_limit=events_limit, events_cursor=events_cursor
    )
    return LocationOut.model_validate(view.as_dict())
