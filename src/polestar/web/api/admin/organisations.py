"""`/api/v1/admin/organisations` and `/api/v1/admin/roles`: the reference lists users need."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from polestar.access import Viewer, administration
from polestar.web.api.admin.callers import AdminViewer
from polestar.web.deps import SettingsDep, StoreDep

router = APIRouter(tags=["admin"])


class OrganisationOut(BaseModel):
    id: str
    name: str
    home: bool
    sources: list[str]


class OrganisationsOut(BaseModel):
    organisations: list[OrganisationOut]


class RolesOut(BaseModel):
    roles: list[str]


@router.get("/organisations", response_model=OrganisationsOut)
def list_organisations(
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.organisations.list"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> OrganisationsOut:
    """Every organisation and the source systems whose records it owns."""
    found = administration.list_organisations(engine, settings, viewer)
    return OrganisationsOut(
        organisations=[
            OrganisationOut(id=o.id, name=o.name, home=o.home, sources=list(o.sources))
            for o in found
        ]
    )


@router.get("/roles", response_model=RolesOut)
def list_roles(
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.roles.list"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> RolesOut:
    """Every role a user may hold; what each may see is in the agreements."""
    return RolesOut(roles=administration.list_roles(engine, settings, viewer))
