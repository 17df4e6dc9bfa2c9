"""`GET /api/v1/vehicles/{entity_id}`: one vehicle as the caller may see it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from polestar.access import Principal
from polestar.search.vehicle_profile import ACTION, vehicle_view
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

router = APIRouter(tags=["vehicles"])
ReadCaller = Annotated[Principal, Depends(Caller("read", ACTION))]


class VehicleOut(BaseModel):
    """A vehicle built from the records the caller may see; see
    `search.vehicle_profile.VehicleView`."""

    entity_id: str
    display_name: str | None
    vrm: list[SourcedOut]
    make: list[SourcedOut]
    model: list[SourcedOut]
    colour: list[SourcedOut]
    records: list[str]
    people: list[LinkedPersonOut]
    events: EventPageOut
    timeline: list[TimelineEntryOut]
    timeline_total: int
    provenance: list[ProvenanceOut]
    source_counts: dict[str, int]
    last_seen: LastSeen
    conflicts: list[str]
    withheld: list[str]


@router.get("/vehicles/{entity_id}", response_model=VehicleOut)
def get_vehicle(
    entity_id: str,
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
    events_limit: EventsLimit = EVENTS_LIMIT,
    events_cursor: EventsCursor = None,
) -> VehicleOut:
    """The vehicle, for the purpose in `X-Polestar-Purpose`; 404 if none of it is visible."""
    viewer = viewer_of(caller, purpose, justification)
    view = vehicle_view(
        engine, settings, viewer, entity_id, events_limit=events_limit, events_cursor=events_cursor
    )
    return VehicleOut.model_validate(view.as_dict())
