"""`/sign-in`, `/sign-out` and `/purpose`: the pages that start, end and direct a session.

Each handler guards, parses, calls one domain function (`access.sign_in.sign_in`,
`access.sessions.sign_out`, `access.sessions.choose_purpose`) and answers with a page or a
303. A refused sign-in answers the same page whatever the reason (see `access.sign_in`); one
over its address's sign-in limit answers it with a 429 and `Retry-After`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from polestar.access import oidc
from polestar.access.scopes import purposes_for
from polestar.access.sessions import choose_purpose, sign_out
from polestar.access.sign_in import sign_in
from polestar.errors import InvalidInput, TooManyRequests, Unauthorised
from polestar.settings import Settings
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.pages import templates
from polestar.web.sessions import (
    SESSION_COOKIE,
    SIGN_IN,
    SIGN_OUT,
    SignedIn,
    clear_session_cookie,
    local_path,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)
Next = Annotated[str | None, Form()]


def sign_in_page(
    request: Request,
    settings: Settings,
    next_path: str,
    status: int = 200,
    username: str = "",
    error: str = "",
) -> HTMLResponse:
    """The sign-in form, with a single sign-on button when `POLESTAR_OIDC_*` is set."""
    context = {
        "next": next_path,
        "username": username,
        "error": error,
        "sso_provider": settings.oidc_provider_name if oidc.configured(settings) else None,
    }
    return templates.TemplateResponse(request, "sign_in.html", context, status_code=status)


@router.get(SIGN_IN, response_class=HTMLResponse)
def sign_in_form(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    """The sign-in form; a signed-in user goes straight on to `next`."""
    next_path = local_path(next)
    if getattr(request.state, "session", None) is not None:
        return RedirectResponse(next_path, status_code=303)
    return sign_in_page(request, settings, next_path)


@router.post(SIGN_IN, response_class=HTMLResponse)
def sign_in_submit(
    request: Request,
    engine: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Next = None,
) -> Response:
    """Check the password and open a session, then go on to `next` (the purpose page asks
    for a purpose first where one is needed)."""
    next_path = local_path(next)
    # The connection's address: uvicorn puts a trusted proxy's X-Forwarded-For there.
    address = request.client.host if request.client else "unknown"
    try:
        opened = sign_in(engine, settings, username, password, datetime.now(UTC), address=address)
    except Unauthorised as exc:
        return sign_in_page(request, settings, next_path, 401, username, exc.message)
    except TooManyRequests as exc:
        page = sign_in_page(request, settings, next_path, 429, username, exc.message)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, settings, opened.cookie_value)
    return response


@router.post(SIGN_OUT)
def sign_out_submit(request: Request, engine: StoreDep, settings: SettingsDep) -> Response:
    """End the session, forget its cookie, and clear what the browser cached of the app."""
    if cookie_value := request.cookies.get(SESSION_COOKIE):
        sign_out(engine, settings, cookie_value, datetime.now(UTC))
    response = RedirectResponse(SIGN_IN, status_code=303)
    clear_session_cookie(response, settings)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _purpose_page(
    request: Request,
    session: SignedIn,
    engine: StoreDep,
    next_path: str,
    status: int = 200,
    errors: list[str] | None = None,
) -> HTMLResponse:
    context = {
        "next": next_path,
        "purposes": purposes_for(engine, session.organisation, session.roles),
        "current": session.purpose,
        "justification": session.justification or "",
        "errors": errors or [],
    }
    return templates.TemplateResponse(request, "purpose.html", context, status_code=status)


@router.get("/purpose", response_class=HTMLResponse)
def purpose_form(
    request: Request, session: SignedIn, engine: StoreDep, next: str | None = None
) -> HTMLResponse:
    """The purposes the user's organisation's agreement and roles allow, to choose one."""
    return _purpose_page(request, session, engine, local_path(next))


@router.post("/purpose", response_class=HTMLResponse)
def purpose_submit(
    request: Request,
    session: SignedIn,
    engine: StoreDep,
    settings: SettingsDep,
    purpose: Annotated[str, Form(max_length=32)],
    justification: Annotated[str | None, Form(max_length=2000)] = None,
    next: Next = None,
) -> Response:
    """Record the purpose (and justification) for the rest of the session, then go on."""
    next_path = local_path(next)
    cookie_value = request.cookies[SESSION_COOKIE]
    try:
        choose_purpose(engine, settings, cookie_value, purpose, justification, datetime.now(UTC))
    except InvalidInput as exc:
        errors = [f"{e.field}: {e.message}" for e in exc.errors] or [exc.message]
        return _purpose_page(request, session, engine, next_path, 422, errors)
    return RedirectResponse(next_path, status_code=303)
