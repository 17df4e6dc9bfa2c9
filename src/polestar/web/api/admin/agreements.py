"""`/api/v1/admin/agreements`: each organisation's sharing agreement, read and replaced as the
same YAML `polestar agreements load` reads, through the same checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from polestar.access import Viewer, administration
from polestar.web.api.admin.callers import AdminViewer
from polestar.web.deps import SettingsDep, StoreDep

router = APIRouter(prefix="/agreements", tags=["admin"])


class AgreementSummaryOut(BaseModel):
    organisation: str
    version: int
    title: str
    lawful_basis: str
    starts: date
    ends: date | None
    in_force: bool
    purposes: list[str]
    kinds: list[str]
    categories: list[str]
    sensitive: list[str]
    loaded_at: datetime
    file: str


class AgreementsOut(BaseModel):
    agreements: list[AgreementSummaryOut]


class AgreementOut(AgreementSummaryOut):
    document: dict[str, Any] = Field(description="The whole agreement as stored.")


class AgreementIn(BaseModel):
    yaml: str = Field(
        max_length=200_000, description="The agreement as YAML, as in `access/agreements/`."
    )


class LoadedOut(BaseModel):
    organisation: str
    version: int
    changed: bool = Field(description="False when the text equals the current agreement.")


@router.get("", response_model=AgreementsOut)
def list_agreements(
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.agreements.list"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> AgreementsOut:
    """Each organisation's current agreement and whether it is in force today."""
    now = datetime.now(UTC)
    found = administration.list_agreements(engine, settings, viewer)
    return AgreementsOut(
        agreements=[AgreementSummaryOut.model_validate(s.as_dict(now)) for s in found]
    )


@router.get("/{organisation}", response_model=AgreementOut)
def show_agreement(
    organisation: str,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.agreements.show"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> AgreementOut:
    """One organisation's current agreement, whole; 404 if it has none."""
    stored = administration.show_agreement(engine, settings, viewer, organisation)
    return AgreementOut.model_validate(
        {
            **stored.as_dict(datetime.now(UTC)),
            "document": stored.agreement.model_dump(mode="json"),
        }
    )


@router.put("/{organisation}", response_model=LoadedOut)
def load_agreement(
    organisation: str,
    body: AgreementIn,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.agreements.load"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> LoadedOut:
    """Replace the organisation's agreement with the YAML given, if every check passes (else
    422 listing every problem, and nothing is stored); the change is recorded."""
    loaded = administration.load_agreement(
        engine, settings, viewer, datetime.now(UTC), organisation, body.yaml
    )
    return LoadedOut(
        organisation=loaded.organisation, version=loaded.version, changed=loaded.changed
    )
