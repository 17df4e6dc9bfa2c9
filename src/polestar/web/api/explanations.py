"""`POST /api/v1/explain`: why two person records score as they do, as the caller may see them.

A POST with the two record names in the body, never in the URL: a source key can be a
person's identifier (a probation CRN), and a query string can end up in logs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from polestar.access import Principal
from polestar.linkage.explanations import ACTION, explain
from polestar.web.deps import Caller, Justification, Purpose, SettingsDep, StoreDep, viewer_of

router = APIRouter(tags=["explanations"])
ReadCaller = Annotated[Principal, Depends(Caller("read", ACTION))]


class ExplainIn(BaseModel):
    records: list[Annotated[str, Field(max_length=320)]] = Field(
        min_length=2, max_length=2, description="Two person records, each SOURCE:KEY."
    )


class RecordOut(BaseModel):
    record: str
    entity_id: str | None


class PriorOut(BaseModel):
    weight: float
    probability: float


class ComparisonOut(BaseModel):
    comparison: str
    level: str
    missing: bool
    weight: float
    tf_weight: float | None
    total: float
    m_probability: float | None
    u_probability: float | None


class DecisionOut(BaseModel):
    decision: str
    by: str
    at: str
    reason: str | None = None


class ExplanationOut(BaseModel):
    """See `linkage.explanations.Explanation`: computed only from fields the caller may see."""

    records: list[RecordOut]
    same_entity: bool
    model_version: int
    prior: PriorOut
    comparisons: list[ComparisonOut]
    match_weight: float
    match_probability: float
    decision: DecisionOut | None
    withheld: list[str]


@router.post("/explain", response_model=ExplanationOut)
def post_explain(
    body: ExplainIn,
    caller: ReadCaller,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Purpose = None,
    justification: Justification = None,
) -> ExplanationOut:
    """The waterfall for the purpose in `X-Polestar-Purpose`; 404 if either record is unknown
    or not visible to the caller."""
    viewer = viewer_of(caller, purpose, justification)
    left, right = body.records
    return ExplanationOut.model_validate(explain(engine, settings, viewer, left, right).as_dict())
