"""`/sign-in/sso` and `/sign-in/sso/callback`: single sign-on through the force's identity
provider (`access.oidc`), when `POLESTAR_OIDC_*` is set; 404 when it is not.

Between the two requests the browser keeps the state, nonce and PKCE verifier in a cookie
scoped to the callback's path that lasts ten minutes: none of them is a credential alone (the
state must come back in the callback's URL, the nonce inside the provider's signed ID token,
the verifier is useless without the code), and `SameSite=Lax` still sends it on the
provider's top-level redirect back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from polestar.access import oidc
from polestar.errors import NotFound, Unauthorised
from polestar.web.deps import SettingsDep, StoreDep
from polestar.web.sessions import set_session_cookie
from polestar.web.sign_in import sign_in_page

router = APIRouter(include_in_schema=False)
SSO = "/sign-in/sso"
CALLBACK = "/sign-in/sso/callback"
PENDING_COOKIE = "polestar_sso"
_PENDING_SECONDS = 600


@router.get(SSO)
def sso_start(settings: SettingsDep) -> Response:
    """Send the browser to the identity provider."""
    if not oidc.configured(settings):
        raise NotFound("single sign-on is not set up")
    url, pending = oidc.begin(settings)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        pending.encode(),
        max_age=_PENDING_SECONDS,
        path=CALLBACK,
        secure=settings.env != "development",
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(CALLBACK)
def sso_callback(
    request: Request,
    engine: StoreDep,
    settings: SettingsDep,
    code: str | None = None,
    state: str | None = None,
) -> Response:
    """Complete the sign-in the provider sent back; the same refusal page whatever failed."""
    if not oidc.configured(settings):
        raise NotFound("single sign-on is not set up")
    pending = oidc.Pending.decode(request.cookies.get(PENDING_COOKIE))
    try:
        opened = oidc.finish(engine, settings, pending, state, code, datetime.now(UTC))
    except Unauthorised as exc:
        response: Response = sign_in_page(request, settings, "/", 401, error=exc.message)
    else:
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(response, settings, opened.cookie_value)
    response.delete_cookie(PENDING_COOKIE, path=CALLBACK)
    return response
