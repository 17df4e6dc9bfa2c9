"""The signed-in session at the edge: its cookie, CSRF protection, and the page dependencies.

`SessionCookies` (middleware) finds the session a `polestar_session` cookie names and puts it
on `request.state.session`, with the CSRF token forms must carry on `request.state.csrf_token`:
the session's own, or — before sign-in — a token also set as the `polestar_csrf` cookie
(double submit). That token is signed (a random nonce and its HMAC under `web.key`, a secret
in the data folder), so a cookie planted by someone else — a sibling site can set cookies
for this one — is not taken as ours and cannot sign a victim in to the planter's account.
`check_csrf` (an app-wide dependency) refuses a state-changing request that a cookie
authenticates without the matching token, from the form field `csrf_token` or the
`X-CSRF-Token` header (HTMX sends it through `hx-headers`). A request with a bearer token
is exempt: a browser never adds one on its own, so there is no ambient authority to abuse.

Pages depend on `SignedIn` (a session, else a 303 to `/sign-in?next=…`) or `PageViewer` (a
session with a purpose, else a 303 to `/purpose?next=…`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Annotated
from urllib.parse import quote, urlsplit

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polestar.access import Viewer
from polestar.access.sessions import Session, resume_session
from polestar.errors import Forbidden
from polestar.secret_files import ensure_secret, same_text
from polestar.settings import Settings
from polestar.web.deps import limit_rate
from polestar.web.privacy import API_PREFIX

SESSION_COOKIE = "polestar_session"
CSRF_COOKIE = "polestar_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_UNGUARDED = ("/static/",)
SIGN_IN = "/sign-in"
SIGN_OUT = "/sign-out"


def _set_cookie(response: Response, settings: Settings, name: str, value: str) -> None:
    """`HttpOnly`, `SameSite=Lax`, path `/`, and `Secure` unless `POLESTAR_ENV=development`.

    No `Max-Age`: a browser session cookie goes when the browser closes, and the server ends
    the session on its own timeouts either way.
    """
    secure = settings.env != "development"
    response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite="lax")


def set_session_cookie(response: Response, settings: Settings, cookie_value: str) -> None:
    """Give the browser the cookie of a session just opened (`access.sessions.NewSession`)."""
    _set_cookie(response, settings, SESSION_COOKIE, cookie_value)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Tell the browser to forget its session cookie."""
    secure = settings.env != "development"
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is as good as none
                continue
    return {name: morsel.value for name, morsel in jar.items()}


class SessionCookies:
    """ASGI middleware: `request.state.session` and `request.state.csrf_token` for every
    request, and the pre-session `polestar_csrf` cookie for a browser that has neither."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_UNGUARDED):
            await self.app(scope, receive, send)
            return
        app: FastAPI = scope["app"]
        settings: Settings = app.state.settings
        cookies = _cookies(scope)
        session: Session | None = None
        if cookie_value := cookies.get(SESSION_COOKIE):
            session = await to_thread.run_sync(
                resume_session, app.state.engine, settings, cookie_value, datetime.now(UTC)
            )
        state = scope.setdefault("state", {})
        state["session"] = session
        key = _csrf_key(app, settings)
        pre_session = cookies.get(CSRF_COOKIE)
        if pre_session is not None and not _signed(key, pre_session):
            pre_session = None  # not one of ours: replaced below
        state["pre_session_csrf"] = pre_session
        new_csrf: str | None = None
        if session is not None:
            state["csrf_token"] = session.csrf_token
        elif scope["path"].startswith(API_PREFIX):
            state["csrf_token"] = None  # an API client without a session has no forms
        else:
            state["csrf_token"] = pre_session or (new_csrf := pre_session_token(key))

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_csrf is not None:
                carrier = Response()
                _set_cookie(carrier, settings, CSRF_COOKIE, new_csrf)
                cookie = carrier.headers["set-cookie"].encode("latin-1")
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", cookie)],
                }
            await send(message)

        await self.app(scope, receive, send_with_cookie)


CSRF_KEY_FILE = "web.key"


def _csrf_key(app: FastAPI, settings: Settings) -> bytes:
    """The key pre-session tokens are signed with, read (or made) on the first request, so
    building an app, for its OpenAPI document say, writes nothing."""
    key: bytes | None = getattr(app.state, "csrf_key", None)
    if key is None:
        key = app.state.csrf_key = ensure_secret(settings.data_dir, CSRF_KEY_FILE)
    return key


def pre_session_token(key: bytes) -> str:
    """A new pre-session token: a random nonce and its signature."""
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_signature(key, nonce)}"


def _signed(key: bytes, token: str) -> bool:
    """Whether `token` is a pre-session token this server signed."""
    nonce, _, signature = token.partition(".")
    return bool(nonce) and _same(_signature(key, nonce), signature)


def _signature(key: bytes, nonce: str) -> str:
    return hmac.new(key, f"pre-session-csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def _same(expected: str | None, given: str | None) -> bool:
    """Both present and equal, in constant time."""
    return bool(expected) and bool(given) and same_text(str(given), str(expected))


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request a cookie authenticates without its CSRF token.

    With a session the token must be the session's; the sign-in form, posted before there is
    one, must match the `polestar_csrf` cookie. Any other request without a session carries no
    authority to abuse: a page's form (kept open past the session's end) goes to sign in and
    then back to the page it was on, and an API request fails authentication (401).
    """
    if request.method not in _STATE_CHANGING:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    session: Session | None = getattr(request.state, "session", None)
    if session is None and request.url.path.startswith(API_PREFIX):
        return
    if session is None and request.url.path == SIGN_OUT:
        return  # signing out of a session already ended changes nothing: no token to check
    if session is None and request.url.path != SIGN_IN:
        raise SignInRequired(SIGN_IN, _referring_page(request))
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    expected = session.csrf_token if session else request.state.pre_session_csrf
    if not _same(expected, given):
        raise Forbidden(
            "this form has expired or did not come from Polestar: reload the page and try again"
        )


class SignInRequired(Exception):
    """A page needs a session (or a purpose) it does not have: redirect there and come back."""

    def __init__(self, page: str, next_path: str) -> None:
        super().__init__(page)
        self.location = f"{page}?next={quote(next_path, safe='/')}"


def local_path(candidate: str | None, default: str = "/") -> str:
    """`candidate` if it is a path on this site, else `default` (no open redirects)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or "\\" in candidate:
        return default
    return candidate


def _referring_page(request: Request) -> str:
    """The page on this site a form was posted from (its `Referer`), else the home page."""
    parts = urlsplit(request.headers.get("referer", ""))
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _signed_in(request: Request) -> Session:
    session: Session | None = getattr(request.state, "session", None)
    if session is None:
        raise SignInRequired(SIGN_IN, _here(request))
    request.state.viewer = session.viewer()
    return session


def _page_viewer(request: Request, session: Annotated[Session, Depends(_signed_in)]) -> Viewer:
    if not session.purpose:
        raise SignInRequired("/purpose", _here(request))
    limit_rate(request, session.username)
    return session.viewer()


SignedIn = Annotated[Session, Depends(_signed_in)]
PageViewer = Annotated[Viewer, Depends(_page_viewer)]


def install(app: FastAPI) -> None:
    """Resolve sessions and redirect pages to sign in (`create_app` makes `check_csrf` an
    app-wide dependency, so every route, whichever router adds it, is guarded)."""

    async def redirect(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        if request.headers.get("HX-Request") == "true":
            # An HTMX request would follow a 303 itself and swap the sign-in page into a
            # fragment; HX-Redirect makes the whole page go there instead.
            return Response(status_code=200, headers={"HX-Redirect": exc.location})
        return RedirectResponse(exc.location, status_code=303)

    app.add_exception_handler(SignInRequired, redirect)
    app.add_middleware(SessionCookies)
