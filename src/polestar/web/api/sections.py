"""The API shapes of the sections every profile has (person, vehicle, location) and the
query parameters that page its events; see `search.profile` for what each holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

# When something happened, as the API gives it (`pole.times.event_time`).
_WHEN = (
    "ISO 8601: a time in UTC, or a date alone (the Europe/London day) where the source gave "
    "only the day, such as a supervision's start"
)
When = Annotated[str | None, Field(description=_WHEN)]
LastSeen = Annotated[
    str | None, Field(description=f"When the latest event you may see happened. {_WHEN}.")
]


class SourcedOut(BaseModel):
    value: str
    sources: list[str]


class EventOut(BaseModel):
    event: str
    event_type: str | None
    occurred_at: When
    category: str | None = None
    offence: str | None = None
    outcome: str | None = None
    grade: str | None = None
    summary: str | None = None
    roles: list[str]
    records: list[str]
    places: list[str]


class EventPageOut(BaseModel):
    """One page of events, newest first; `by_role` and `by_type` count every visible event."""

    total: int
    by_role: dict[str, int]
    by_type: dict[str, int]
    items: list[EventOut]
    next_cursor: str | None


class TimelineEntryOut(BaseModel):
    at: str = Field(description=_WHEN)
    what: str
    event_type: str | None
    record: str
    roles: list[str]
    records: list[str]
    detail: str | None = Field(None, description="a warning marker's code and name")


class JoinOut(BaseModel):
    other: str
    match_weight: float
    match_probability: float
    model_version: int


class ProvenanceOut(BaseModel):
    """A record, its source record's current version, and (people) the join that placed it."""

    record: str
    source_record: str | None = None
    version: int | None = None
    file: str | None = None
    line: str | None = None
    ingested_at: str | None = None
    content_hash: str | None = None
    join: JoinOut | None = None
    under_review: list[str] | None = None  # people: grounds of open items on its place
    not_the_same_as: list[str] | None = None  # people: a decision parts them next run


class LinkedPersonOut(BaseModel):
    entity_id: str
    display_name: str | None
    roles: list[str]
    records: list[str]


EventsLimit = Annotated[int, Query(description="Events per page, 1-200.")]
EventsCursor = Annotated[
    str | None, Query(max_length=512, description="`events.next_cursor` of the previous page.")
]
EVENTS_LIMIT = 20
