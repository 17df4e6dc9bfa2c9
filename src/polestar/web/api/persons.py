"""`GET /api/v1/persons/{entity_id}`: one person as the caller may see them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.search.profile import ACTION, person_view
from polestar.web.api.sections import (
    EVENTS_LIMIT,
    EventPageOut,
    EventsCursor,
    EventsLimit,
    LastSeen,
    ProvenanceOut,
    SourcedOut,
    TimelineEntryOut,
)
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(tags=["persons"])
ReadCaller = Annotated[Principal, Depends(Caller("read", ACTION))]


class IdentifierOut(SourcedOut):
    type: str


class MarkerOut(BaseModel):
    code: str
    label: str
    dates: list[str]
    sources: list[str]
    in_question: bool = Field(
        description="Every record giving it is under review or ruled apart from this person: "
        "the warning may be someone else's."
    )


class AddressOut(BaseModel):
    address: str
    entity_ids: list[str]
    sources: list[str]
    from_: str | None = Field(alias="from")
    to: str | None


class VehicleOut(BaseModel):
    entity_id: str | None
    vrm: list[SourcedOut]
    make: list[SourcedOut]
    model: list[SourcedOut]
    colour: list[SourcedOut]
    sources: list[str]


class ReasonOut(BaseModel):
    reason: str
    via: str
    roles: list[str]


class AssociateOut(BaseModel):
    entity_id: str
    display_name: str | None
    reasons: list[ReasonOut]
    records: list[str]


class PersonOut(BaseModel):
    """A person built from the records the caller may see; see `search.profile.PersonView`."""

    entity_id: str
    display_name: str | None
    markers: list[MarkerOut]
    names: list[SourcedOut]
    dates_of_birth: list[SourcedOut]
    records: list[str]
    aliases: list[SourcedOut]
    identifiers: list[IdentifierOut]
    flags: list[SourcedOut]
    addresses: list[SourcedOut]
    source_counts: dict[str, int]
    last_seen: LastSeen
    withheld: list[str]
    conflicts: list[str]
    address_history: list[AddressOut]
    vehicles: list[VehicleOut]
    phones: list[SourcedOut]
    events: EventPageOut
    timeline: list[TimelineEntryOut]
    timeline_total: int
    associates: list[AssociateOut]
    associates_total: int
    provenance: list[ProvenanceOut]


@router.get("/persons/{entity_id}", response_model=PersonOut)
def get_person(
    entity_id: str,
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
    events_limit: EventsLimit = EVENTS_LIMIT,
    events_cursor: EventsCursor = None,
) -> PersonOut:
    """The person, for the purpose in `X-Polestar-Purpose`; 404 if none of it is visible.
    Events come a page at a time (`events_limit`, `events_cursor`)."""
    viewer = viewer_of(caller, purpose, justification)
    view = person_view(
        engine, settings, viewer, entity_id, events_limit=events_limit, events_cursor=events_cursor
    )
    return PersonOut.model_validate(view.as_dict())
