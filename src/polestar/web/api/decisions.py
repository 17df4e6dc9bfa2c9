"""`/api/v1/entities/…`: merge, split and the decision ledger (scope `review`), the same
services as `polestar link merge|split|history`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.linkage.decisions import Reviewer, history, merge, split
from polestar.search import refresh
from polestar.web.deps import Caller, SettingsDep, StoreDep

router = APIRouter(prefix="/entities", tags=["decisions"])


def reviewer_of(principal: Principal) -> Reviewer:
    """The decision's author: the token's user, organisation and roles."""
    return Reviewer(principal.user, principal.organisation, ",".join(sorted(principal.roles))[:32])


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, description="Why: kept in the ledger and the audit trail.")


class MergeIn(ReasonIn):
    entities: list[str] = Field(min_length=2, max_length=2, description="Two person ids.")


class SplitIn(ReasonIn):
    records: list[str] = Field(min_length=1, description="SOURCE:KEY of the records to move.")


class DecisionOut(BaseModel):
    decision_id: int


class OutcomeOut(DecisionOut):
    kept: str
    other: str
    moved: int


class LedgerEntryOut(BaseModel):
    id: int
    decision: str
    entity_id: str | None
    other_entity_id: str | None
    actor: str
    organisation: str | None
    reason: str
    decided_at: str


class HistoryOut(BaseModel):
    entity_id: str
    decisions: list[LedgerEntryOut]


@router.post("/merge", response_model=OutcomeOut)
def merge_entities(
    body: MergeIn,
    caller: Annotated[Principal, Depends(Caller("review", "link.merge"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> OutcomeOut:
    """Merge two person entities into the older id, now and in every later run."""
    first, second = body.entities
    outcome = merge(engine, settings, reviewer_of(caller), first, second, body.reason)
    refresh(engine, outcome.record_ids)  # searchable under the entity they joined
    return OutcomeOut.model_validate(outcome.as_dict())


@router.post("/{entity_id}/split", response_model=OutcomeOut)
def split_entity(
    entity_id: str,
    body: SplitIn,
    caller: Annotated[Principal, Depends(Caller("review", "link.split"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> OutcomeOut:
    """Split records out of a person entity, now and in every later run."""
    outcome = split(engine, settings, reviewer_of(caller), entity_id, body.records, body.reason)
    refresh(engine, outcome.record_ids)  # searchable under the entity they now belong to
    return OutcomeOut.model_validate(outcome.as_dict())


@router.get("/{entity_id}/history", response_model=HistoryOut)
def entity_history(
    entity_id: str,
    caller: Annotated[Principal, Depends(Caller("review", "link.history"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> HistoryOut:
    """The decisions people made about the entity (and ids merged into it), oldest first."""
    found = history(engine, settings, reviewer_of(caller), entity_id)
    return HistoryOut(entity_id=entity_id, decisions=[LedgerEntryOut(**d.as_dict()) for d in found])
