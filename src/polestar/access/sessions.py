"""Signed-in sessions: opening one for a user who has proved who they are, finding it again
from its cookie, the purpose chosen for it, and ending it.

The cookie value is a 256-bit random secret; only its SHA-256 is stored, so a copy of the
database signs no one in. A session ends after `POLESTAR_SESSION_IDLE_MINUTES` without a
request, `POLESTAR_SESSION_ABSOLUTE_HOURS` after it began, at sign-out, and at once when its
user is disabled or their password is reset. Its CSRF token is derived from the cookie value
(an HMAC), so it is bound to the session and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access.scopes import purposes_for
from polestar.access.tokens import Principal, scopes_for_roles
from polestar.access.viewer import Viewer
from polestar.errors import FieldError, InvalidInput, Unauthorised
from polestar.settings import Settings
from polestar.store.accounts import UserRow, user_row
from polestar.store.sessions import (
    SessionRow,
    end_session_row,
    end_user_sessions,
    insert_session,
    session_row,
    set_session_purpose,
    touch_session,
)

METHODS = ("password", "oidc")
# `last_seen_at` is written at most this often: a page of requests is one write, not dozens,
# and the idle timeout is still honoured to within a minute.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewSession:
    """A session just opened: the only time its cookie value exists outside the browser.

    Attributes:
        cookie_value: the `polestar_session` cookie's value.
        csrf_token: the token state-changing requests in this session must carry.
        expires_at: when the session ends however it is used (the absolute timeout).
    """

    cookie_value: str
    csrf_token: str
    username: str
    expires_at: datetime


@dataclass(frozen=True)
class Session:
    """A signed-in user as a request sees them: who, their roles, and why they are looking."""

    username: str
    organisation: str
    roles: frozenset[str]
    purpose: str | None
    justification: str | None
    csrf_token: str
    method: str
    started_at: datetime

    @property
    def scopes(self) -> frozenset[str]:
        """What the user's roles let the session do (`tokens.scopes_for_roles`)."""
        return frozenset(scopes_for_roles(self.roles))

    def principal(self) -> Principal:
        """The session as an API caller, with the session's purpose as the default."""
        return Principal(
            self.username,
            self.organisation,
            self.roles,
            self.scopes,
            purpose=self.purpose,
            justification=self.justification,
        )

    def viewer(self) -> Viewer:
        """The Viewer for a page request: the session's user and purpose."""
        return Viewer(
            self.username, self.organisation, self.roles, self.purpose, self.justification
        )


def _id_hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode("utf-8")).hexdigest()


def csrf_token_for(cookie_value: str) -> str:
    """The session's synchroniser token: an HMAC of the cookie value, never stored."""
    return hmac.new(cookie_value.encode("utf-8"), b"polestar csrf", hashlib.sha256).hexdigest()


def _session(row: SessionRow, cookie_value: str) -> Session:
    return Session(
        username=row.username,
        organisation=row.organisation_id,
        roles=frozenset(row.roles),
        purpose=row.purpose,
        justification=row.justification,
        csrf_token=csrf_token_for(cookie_value),
        method=row.method,
        started_at=row.started_at,
    )


def open_session_in(
    conn: Connection, user: UserRow, now: datetime, settings: Settings, *, method: str
) -> NewSession:
    """Open a session inside the caller's audit transaction (sign-in does its checks first)."""
    if method not in METHODS:
        raise ValueError(f"no sign-in method {method!r}")
    cookie_value = secrets.token_urlsafe(32)
    insert_session(conn, _id_hash(cookie_value), user.id, method, now)
    audit.record_in(
        conn,
        audit.SignedIn(
            actor=user.username,
            organisation=user.organisation_id,
            role=",".join(sorted(user.roles))[:32] or None,
            details={"method": method},
            occurred_at=now,
        ),
        settings,
    )
    expires_at = now + timedelta(hours=settings.session_absolute_hours)
    return NewSession(cookie_value, csrf_token_for(cookie_value), user.username, expires_at)


def open_session(
    engine: Engine, username: str, now: datetime, settings: Settings, *, method: str = "password"
) -> NewSession:
    """Open a session for a user whose identity was proved elsewhere (single sign-on).

    Recorded as a sign-in by `method`. Password sign-in is `access.sign_in.sign_in`, which
    checks the password and the lockout first.

    Raises:
        Unauthorised: no such user, or the user is disabled.
    """
    with audit.transaction(engine, settings) as conn:
        user = user_row(conn, username)
        if user is None or user.disabled_at is not None:
            raise Unauthorised(f"{username!r} may not sign in")
        return open_session_in(conn, user, now, settings, method=method)


def _expiry(row: SessionRow, now: datetime, settings: Settings) -> str | None:
    """Why the session can no longer be used at `now`, if it cannot."""
    if row.user_disabled_at is not None:
        return "user-disabled"
    if now >= row.started_at + timedelta(hours=settings.session_absolute_hours):
        return "absolute"
    if now >= row.last_seen_at + timedelta(minutes=settings.session_idle_minutes):
        return "idle"
    return None


def _end(conn: Connection, row: SessionRow, now: datetime, reason: str, settings: Settings) -> None:
    if end_session_row(conn, row.id_hash, now, reason):
        audit.record_in(
            conn,
            audit.SignedOut(
                actor=row.username,
                organisation=row.organisation_id,
                details={"reason": reason},
                occurred_at=now,
            ),
            settings,
        )


def resume_session(
    engine: Engine, settings: Settings, cookie_value: str, now: datetime
) -> Session | None:
    """The session a `polestar_session` cookie names, if it may still be used at `now`.

    A session found past its idle or absolute timeout, or whose user is disabled, is ended
    (and the end recorded) here, so it never comes back. Using a session counts as activity.
    """
    id_hash = _id_hash(cookie_value)
    with engine.connect() as conn:
        row = session_row(conn, id_hash)
    if row is None or row.ended_at is not None:
        return None
    reason = _expiry(row, now, settings)
    if reason is not None:
        with audit.transaction(engine, settings) as conn:
            _end(conn, row, now, reason, settings)
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        with engine.begin() as conn:
            touch_session(conn, id_hash, now)
    return _session(row, cookie_value)


def sign_out(engine: Engine, settings: Settings, cookie_value: str, now: datetime) -> None:
    """End the session the cookie names (nothing happens for an unknown or ended one)."""
    with audit.transaction(engine, settings) as conn:
        row = session_row(conn, _id_hash(cookie_value))
        if row is not None:
            _end(conn, row, now, "sign-out", settings)


def end_sessions_in(
    conn: Connection, user: UserRow, now: datetime, reason: str, settings: Settings | None = None
) -> int:
    """End every open session of `user` inside the caller's audit transaction.

    Called when a user is disabled or their password reset; recorded as one sign-out naming
    the reason and how many sessions ended (nothing is recorded when none was open).
    """
    ended = end_user_sessions(conn, user.id, now, reason)
    if ended:
        audit.record_in(
            conn,
            audit.SignedOut(
                actor=user.username,
                organisation=user.organisation_id,
                details={"reason": reason, "sessions": ended},
                occurred_at=now,
            ),
            settings,
        )
    return ended


def choose_purpose(
    engine: Engine,
    settings: Settings,
    cookie_value: str,
    purpose: str,
    justification: str | None,
    now: datetime,
) -> Session:
    """Record the purpose (and justification) for the rest of the session; audited.

    Raises:
        Unauthorised: the session is not usable any more.
        InvalidInput: the purpose is not one the user's organisation and roles allow.
    """
    session = resume_session(engine, settings, cookie_value, now)
    if session is None:
        raise Unauthorised("your session has ended: sign in again")
    allowed = purposes_for(engine, session.organisation, session.roles)
    if purpose not in allowed:
        hint = f"allowed: {', '.join(allowed)}" if allowed else "no purpose is allowed"
        raise InvalidInput(f"purpose {purpose!r} is not allowed", [FieldError("purpose", hint)])
    justification = (justification or "").strip() or None
    with audit.transaction(engine, settings) as conn:
        set_session_purpose(conn, _id_hash(cookie_value), purpose, justification)
        audit.record_in(
            conn,
            audit.PurposeChosen(
                actor=session.username,
                organisation=session.organisation,
                role=session.viewer().role,
                purpose=purpose,
                justification=justification,
                occurred_at=now,
            ),
            settings,
        )
    return replace(session, purpose=purpose, justification=justification)
