"""`/api/v1/audit/…`: the data protection officer's questions of the s.62 log.

Only the data protection officer and administrators may ask (403 otherwise); every question,
answered or refused, is itself recorded (`access.oversight`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from polestar.access import Principal, oversight
from polestar.audit import Found
from polestar.pole.times import LONDON
from polestar.web.deps import Caller, SettingsDep, StoreDep, viewer_of

router = APIRouter(prefix="/audit", tags=["audit"])


class EntryOut(BaseModel):
    """One audit entry; `seen` says whether the ids were opened or shown in a result list."""

    seq: int
    occurred_at: str
    operation: str
    action: str
    outcome: str
    actor: str
    organisation: str | None
    role: str | None
    purpose: str | None
    entity_ids: list[str]
    record_ids: list[str]
    recipients: list[str]
    in_results: bool
    seen: str
    details: dict[str, Any]
    justification: str | None
    query: str | None


class EntriesOut(BaseModel):
    entries: list[EntryOut]


class HeavyUserOut(BaseModel):
    actor: str
    lookups: int


class HeavyUsersOut(BaseModel):
    day: date
    users: list[HeavyUserOut]


def _entries(found: list[Found]) -> EntriesOut:
    return EntriesOut(
        entries=[
            EntryOut.model_validate(
                {**item.as_dict(), "seen": "in results" if item.entry.in_results else "opened"}
            )
            for item in found
        ]
    )


@router.get("/who-viewed/{identifier}", response_model=EntriesOut)
def who_viewed(
    identifier: str,
    caller: Annotated[Principal, Depends(Caller("read", "audit.who-viewed"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> EntriesOut:
    """Who consulted or was shown an entity (`PER-…`) or a record (`SOURCE:KEY`)."""
    viewer = viewer_of(caller, None, None)
    return _entries(oversight.who_viewed(engine, settings, viewer, identifier))


@router.get("/by-user/{username}", response_model=EntriesOut)
def by_user(
    username: str,
    caller: Annotated[Principal, Depends(Caller("read", "audit.by-user"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> EntriesOut:
    """Everything the log holds of one user."""
    viewer = viewer_of(caller, None, None)
    return _entries(oversight.by_user(engine, settings, viewer, username))


@router.get("/heavy-users", response_model=HeavyUsersOut)
def heavy_users(
    caller: Annotated[Principal, Depends(Caller("read", "audit.heavy-users"))],
    engine: StoreDep,
    settings: SettingsDep,
    day: Annotated[date | None, Query(description="A Europe/London day; today if omitted.")] = None,
) -> HeavyUsersOut:
    """Users whose lookups on one day exceeded the alert threshold."""
    viewer = viewer_of(caller, None, None)
    day = day or datetime.now(LONDON).date()
    heavy = oversight.heavy_users(engine, settings, viewer, day)
    return HeavyUsersOut(
        day=day, users=[HeavyUserOut(actor=h.actor, lookups=h.lookups) for h in heavy]
    )
