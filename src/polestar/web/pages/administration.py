"""`/admin`: users, tokens, organisations and roles, and agreements — administrators change,
the data protection officer reads (`access.administration.RIGHTS`, home force only).

Each handler calls the same `access.administration` function as `/api/v1/admin/…`, which
checks the matrix and records the reading or the change. A generated password or a token's
secret is shown once, on the page that answers the change, and never again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from polestar.access import Viewer, administration
from polestar.access.tokens import DEFAULT_DAYS, SCOPES
from polestar.settings import Settings
from polestar.store.engine import Engine
from polestar.web.deps import Cursor, SettingsDep, StoreDep
from polestar.web.pages.abilities import AdminViewer
from polestar.web.pages.shell import templates

router = APIRouter(prefix="/admin")
PAGE_ROWS = 100  # users or tokens on a page
Username = Annotated[str, Form(max_length=64)]


def _may(viewer: Viewer) -> dict[str, bool]:
    """Which changes to offer: the matrix decides, the domain function checks again."""
    return {action: administration.may(viewer, action) for action in administration.RIGHTS}


def _page(request: Request, viewer: Viewer, name: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, f"admin/{name}.html", {**context, "may": _may(viewer)}
    )


def _users_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    settings: Settings,
    cursor: int = 0,
    **context: Any,
) -> HTMLResponse:
    page = administration.list_users(engine, settings, viewer, PAGE_ROWS, cursor)
    choices: dict[str, list[str]] = {"organisations": [], "roles": []}
    if administration.may(viewer, "admin.users.add"):  # the add form's choices
        listed = administration.list_organisations(engine, settings, viewer)
        choices = {
            "organisations": [o.id for o in listed],
            "roles": administration.list_roles(engine, settings, viewer),
        }
    return _page(request, viewer, "users", page=page, cursor=cursor, **choices, **context)


@router.get("", response_class=HTMLResponse)
def users(
    request: Request,
    viewer: AdminViewer,
    engine: StoreDep,
    settings: SettingsDep,
    cursor: Cursor = 0,
) -> HTMLResponse:
    """Users, disabled ones included, a page at a time; the form to add one."""
    return _users_page(request, viewer, engine, settings, cursor)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    viewer: AdminViewer,
    engine: StoreDep,
    settings: SettingsDep,
    username: Username,
    organisation: Annotated[str, Form(max_length=64)],
    roles: Annotated[list[str], Form()],
    full_name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Add a user and give them a first generated password, shown once."""
    now = datetime.now(UTC)
    administration.add_user(
        engine, settings, viewer, now, username, organisation, roles, full_name or None
    )
    new = administration.reset_password(engine, settings, viewer, now, username)
    return _users_page(request, viewer, engine, settings, password=new, added=True)


@router.post("/users/{username}/password", response_class=HTMLResponse)
def reset_password(
    request: Request, username: str, viewer: AdminViewer, engine: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """A new generated password for the user, shown once; their sessions end."""
    new = administration.reset_password(engine, settings, viewer, datetime.now(UTC), username)
    return _users_page(request, viewer, engine, settings, password=new, added=False)


@router.post("/users/{username}/disable")
def disable_user(
    username: str, viewer: AdminViewer, engine: StoreDep, settings: SettingsDep
) -> Response:
    """Disable a user: their sessions and tokens stop working at once."""
    administration.disable_user(engine, settings, viewer, datetime.now(UTC), username)
    return RedirectResponse("/admin", status_code=303)


def _tokens_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    settings: Settings,
    cursor: int = 0,
    **context: Any,
) -> HTMLResponse:
    now = datetime.now(UTC)
    page = administration.list_tokens(engine, settings, viewer, now, PAGE_ROWS, cursor)
    context = {"scopes": SCOPES, "default_days": DEFAULT_DAYS, **context}
    return _page(request, viewer, "tokens", page=page, cursor=cursor, **context)


@router.get("/tokens", response_class=HTMLResponse)
def tokens(
    request: Request,
    viewer: AdminViewer,
    engine: StoreDep,
    settings: SettingsDep,
    cursor: Cursor = 0,
) -> HTMLResponse:
    """Tokens and their status, newest first, a page at a time; never a secret."""
    return _tokens_page(request, viewer, engine, settings, cursor)


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    viewer: AdminViewer,
    engine: StoreDep,
    settings: SettingsDep,
    user: Username,
    scopes: Annotated[list[str], Form()],
    days: Annotated[int, Form(ge=1, le=3660)] = DEFAULT_DAYS,
) -> HTMLResponse:
    """Create a token for a user; its secret is shown on this page only."""
    made = administration.create_token(
        engine, settings, viewer, datetime.now(UTC), user, scopes, days
    )
    return _tokens_page(request, viewer, engine, settings, made=made)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    token_id: str, viewer: AdminViewer, engine: StoreDep, settings: SettingsDep
) -> Response:
    """Revoke a token: it stops working at once."""
    administration.revoke_token(engine, settings, viewer, datetime.now(UTC), token_id)
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/organisations", response_class=HTMLResponse)
def organisations(
    request: Request, viewer: AdminViewer, engine: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """Every organisation with the sources it owns, and every role a user may hold."""
    return _page(
        request,
        viewer,
        "organisations",
        organisations=administration.list_organisations(engine, settings, viewer),
        roles=administration.list_roles(engine, settings, viewer),
    )


@router.get("/agreements", response_class=HTMLResponse)
def agreements(
    request: Request, viewer: AdminViewer, engine: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """Each organisation's current agreement and whether it is in force today."""
    now = datetime.now(UTC)
    found = [s.as_dict(now) for s in administration.list_agreements(engine, settings, viewer)]
    return _page(request, viewer, "agreements", agreements=found)


def _agreement_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    settings: Settings,
    organisation: str,
    **context: Any,
) -> HTMLResponse:
    stored = administration.show_agreement(engine, settings, viewer, organisation)
    document = stored.agreement.model_dump(mode="json", exclude_none=True)
    return _page(
        request,
        viewer,
        "agreement",
        agreement=stored.as_dict(datetime.now(UTC)),
        text=context.pop("text", None) or yaml.safe_dump(document, sort_keys=False),
        **context,
    )


@router.get("/agreements/{organisation}", response_class=HTMLResponse)
def agreement(
    request: Request,
    organisation: str,
    viewer: AdminViewer,
    engine: StoreDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """One organisation's current agreement as YAML, and the form to replace it."""
    return _agreement_page(request, viewer, engine, settings, organisation)


@router.post("/agreements/{organisation}", response_class=HTMLResponse)
def load_agreement(
    request: Request,
    organisation: str,
    viewer: AdminViewer,
    engine: StoreDep,
    settings: SettingsDep,
    text: Annotated[str, Form(max_length=200_000)],
) -> HTMLResponse:
    """Replace the agreement with the YAML given, if every check passes (else the problems
    are listed and nothing is stored)."""
    loaded = administration.load_agreement(
        engine, settings, viewer, datetime.now(UTC), organisation, text
    )
    return _agreement_page(request, viewer, engine, settings, organisation, loaded=loaded)
