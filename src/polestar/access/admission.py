"""Admitting an API request: its bearer token or signed-in session, checked and scoped, with
refusals recorded.

A denied request still leaves an audit entry (issue 4). A refusal before the token is known
to be genuine names no user (`anonymous`), so a guesser learns nothing from the log either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access.sessions import Session
from polestar.access.tokens import Principal, authenticate
from polestar.errors import Forbidden, Unauthorised
from polestar.settings import Settings

ANONYMOUS = "anonymous"
_BEARER = "bearer "


def admit(
    engine: Engine,
    settings: Settings,
    authorization: str | None,
    scope: str,
    action: str,
    now: datetime,
) -> Principal:
    """The Principal an `Authorization: Bearer …` header speaks for, if its token holds `scope`.

    Args:
        action: the domain action the request asks for (`person.show`), for the denial entry.

    Raises:
        Unauthorised: (401) no header, not a bearer token, or a token that is not valid now.
        Forbidden: (403) the token lacks `scope`.
    """
    principal: Principal | None = None
    try:
        if authorization is None or not authorization.lower().startswith(_BEARER):
            raise Unauthorised("send an API token as `Authorization: Bearer <token>`")
        principal = authenticate(engine, authorization[len(_BEARER) :], now)
        principal.require(scope)
    except (Unauthorised, Forbidden) as exc:
        _record_denial(engine, settings, principal, action, exc, now)
        raise
    return principal


def admit_session(
    engine: Engine, settings: Settings, session: Session, scope: str, action: str, now: datetime
) -> Principal:
    """The Principal a signed-in session speaks for, if the user's roles give `scope`.

    Raises:
        Forbidden: (403) the roles do not give `scope` (recorded as a denied consultation).
    """
    principal = session.principal()
    try:
        principal.require(scope)
    except Forbidden as exc:
        _record_denial(engine, settings, principal, action, exc, now)
        raise
    return principal


def _record_denial(
    engine: Engine,
    settings: Settings,
    principal: Principal | None,
    action: str,
    exc: Unauthorised | Forbidden,
    now: datetime,
) -> None:
    denied = audit.Consultation(
        action=action,
        actor=ANONYMOUS if principal is None else principal.user,
        organisation=None if principal is None else principal.organisation,
        role=None if principal is None else ",".join(sorted(principal.roles))[:32] or None,
        details={"status": exc.status, "reason": type(exc).__name__},
        occurred_at=now,
    )
    audit.record(engine, denied.denied(), settings)
