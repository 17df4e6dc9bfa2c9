"""`GET /api/v1/persons/{entity_id}`: one person as the caller may see them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from polestar.access import Principal
from polestar.search.profile import ACTION, person_view
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(tags=["persons"])
ReadCaller = Annotated[Principal, Depends(Caller("read", ACTION))]


class SourcedOut(BaseModel):
    value: str
    sources: list[str]


class IdentifierOut(SourcedOut):
    type: str


class MarkerOut(BaseModel):
    code: str
    label: str
    dates: list[str]
    sources: list[str]


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
    last_seen: str | None
    withheld: list[str]


@router.get("/persons/{entity_id}", response_model=PersonOut)
def get_person(
    entity_id: str,
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
) -> PersonOut:
    """The person, for the purpose in `X-Polestar-Purpose`; 404 if none of it is visible."""
    viewer = viewer_of(caller, purpose, justification)
    return PersonOut.model_validate(person_view(engine, settings, viewer, entity_id).as_dict())
