"""What route handlers depend on: the settings, the store's engine, and who is asking.

ARCHITECTURE.md premise 3: a handler gets a `Viewer` (or the `Principal` behind it) and the
settings, never a database session; the engine is only handed on to domain functions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from polestar.access import Principal, Viewer
from polestar.access.admission import admit, admit_session
from polestar.access.rate_limits import RateLimiter, retry_after_seconds
from polestar.errors import TooManyRequests
from polestar.settings import Settings
from polestar.store.engine import Engine


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Engine, Depends(_engine)]


def limit_rate(request: Request, username: str) -> None:
    """Count a personal-data request against `username`'s rate limit.

    Raises:
        TooManyRequests: (429, with `Retry-After`) over `POLESTAR_RATE_LIMIT_PER_MINUTE`.
    """
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.hit(username, datetime.now(UTC))
    if wait is not None:
        seconds = retry_after_seconds(wait)
        raise TooManyRequests(f"too many requests: try again in {seconds} s", seconds)


class Caller:
    """A dependency admitting a request whose caller holds `scope`, for the domain `action`.

    A bearer token is used when one is sent; otherwise the signed-in session (the browser's
    `polestar_session` cookie, which the session middleware has already checked). Either way
    the caller's requests count against their rate limit.
    """

    def __init__(self, scope: str, action: str) -> None:
        self.scope = scope
        self.action = action

    def __call__(
        self,
        request: Request,
        engine: StoreDep,
        settings: SettingsDep,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Principal:
        now = datetime.now(UTC)
        session = getattr(request.state, "session", None)
        if authorization is None and session is not None:
            principal = admit_session(engine, settings, session, self.scope, self.action, now)
        else:
            principal = admit(engine, settings, authorization, self.scope, self.action, now)
        limit_rate(request, principal.user)
        return principal


def viewer_of(principal: Principal, purpose: str | None, justification: str | None) -> Viewer:
    """The request's Viewer: the caller, with the purpose and justification its headers state
    (a session's own purpose when the headers state none)."""
    return principal.viewer(purpose or None, justification or None)


# Paging a list by offset: `limit` rows from the `cursor`th (the page before's `next_cursor`).
Limit = Annotated[int, Query(ge=1, le=500, description="Rows on the page.")]
Cursor = Annotated[int, Query(ge=0, le=2**31, description="The page before's `next_cursor`.")]

Purpose = Annotated[
    str | None, Header(alias="X-Polestar-Purpose", description="Why you are looking: a slug.")
]
Justification = Annotated[
    str | None,
    Header(
        alias="X-Polestar-Justification", description="Free text; needed for sensitive records."
    ),
]
