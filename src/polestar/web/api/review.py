"""`/api/v1/review`: the review queue — list open items (scope `read`, a purpose, redacted and
audited) and decide one (scope `review`); the same services as `polestar link review`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.linkage.review import LIST_ACTION, MAX_LIMIT, decide, review_list
from polestar.web.api.decisions import DecisionOut, ReasonIn, reviewer_of
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(prefix="/review", tags=["review"])
ReadCaller = Annotated[Principal, Depends(Caller("read", LIST_ACTION))]
ReviewCaller = Annotated[Principal, Depends(Caller("review", "link.review.decide"))]
# Item numbers are 64-bit integers in the store; a larger one is refused (422), not sent to it.
_ITEM_MAX = 2**63 - 1


class ReviewRecordOut(BaseModel):
    """One record of a pair: only the fields the caller may see are in `values`, and only the
    homes, places reported from and phones the caller may see beside them."""

    record: str
    entity_id: str | None
    values: dict[str, Any]
    homes: list[str] = Field(description="addresses the record gives as the person's home")
    reported_from: list[str] = Field(description="where events the person reported happened")
    phones: list[str]
    changed_at: str | None = Field(
        description="when a version of the record newer than the one the pair was scored on "
        "arrived (its values are shown, the probability is the old one's); null: as scored"
    )


class ReviewItemOut(BaseModel):
    item: int
    match_probability: float
    match_weight: float
    queued_because: str = Field(
        description="`uncertain` (scored inside the review band) or `forenames differ` (joined "
        "on a surname and a place; the forenames wholly differ and one record has no date of "
        "birth)"
    )
    queued_at: str
    records: list[ReviewRecordOut]


class ReviewPageOut(BaseModel):
    items: list[ReviewItemOut]
    next_cursor: int | None
    withheld: list[str]


class DecisionIn(ReasonIn):
    decision: Literal["confirm", "reject"] = Field(description="confirm: one person; reject: two.")


@router.get("", response_model=ReviewPageOut)
def list_items(
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[int | None, Query(ge=0, le=_ITEM_MAX)] = None,
    ground: Annotated[
        str | None,
        Query(max_length=64, description="Only items queued on this ground (`queued_because`)."),
    ] = None,
) -> ReviewPageOut:
    """Open items whose both records the caller may see, for the purpose in the header."""
    viewer = viewer_of(caller, purpose, justification)
    page = review_list(engine, settings, viewer, limit=limit, cursor=cursor, ground=ground)
    return ReviewPageOut.model_validate(page.as_dict())


@router.post("/{item}/decision", response_model=DecisionOut)
def decide_item(
    item: Annotated[int, Path(ge=1, le=_ITEM_MAX)],
    body: DecisionIn,
    caller: ReviewCaller,
    engine: StoreDep,
    settings: SettingsDep,
) -> DecisionOut:
    """Confirm or reject the item's pair; every later linkage run keeps to it."""
    decision_id = decide(engine, settings, reviewer_of(caller), item, body.decision, body.reason)
    return DecisionOut(decision_id=decision_id)
