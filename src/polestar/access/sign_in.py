"""Signing in with a user name and password, and locking an account after repeated failures.

Every refusal reads the same — an unknown user, a wrong password, a disabled or locked
account — and takes as long (the password is always checked, against a dummy hash if need
be), so the answer tells a guesser nothing. `POLESTAR_LOCKOUT_FAILURES` failures within
`POLESTAR_LOCKOUT_WINDOW_MINUTES` lock the account for `POLESTAR_LOCKOUT_MINUTES`. Each
failure and each lockout is recorded; the log, not the response, says which refusal it was.

Before any of that, each client address may try `POLESTAR_SIGN_IN_PER_ADDRESS_PER_MINUTE`
sign-ins a minute: every attempt costs an argon2id hash (about half a second of CPU), so
without it one address spraying guesses across many accounts would occupy the server. Beyond
it the attempt is refused, and recorded, before any account is read or hash computed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access.admission import ANONYMOUS
from polestar.access.passwords import hash_password, needs_rehash, verify_password
from polestar.access.rate_limits import StoredWindow, retry_after_seconds
from polestar.access.sessions import NewSession, open_session_in
from polestar.errors import TooManyRequests, Unauthorised
from polestar.settings import Settings
from polestar.store.accounts import (
    UserRow,
    add_sign_in_failure,
    clear_sign_in_failures,
    lock_user_row,
    set_password_hash,
    sign_in_failures_since,
    user_row,
)

REFUSED = "wrong user name or password"
THROTTLED = "too many sign-ins from your address: try again in {seconds} s"


def _throttle(engine: Engine, settings: Settings, address: str, now: datetime) -> None:
    """Count a sign-in attempt from `address`; refuse it, recorded, when one too many."""
    limit = settings.sign_in_per_address_per_minute
    wait = StoredWindow(engine, "sign-in", limit).hit(address, now)
    if wait is None:
        return
    seconds = retry_after_seconds(wait)
    throttled = audit.SignInThrottled(
        actor=ANONYMOUS, details={"address": address, "limit": limit}, occurred_at=now
    )
    audit.record(engine, throttled, settings)
    raise TooManyRequests(THROTTLED.format(seconds=seconds), seconds)


def _refusal(user: UserRow | None, password_ok: bool, now: datetime) -> str | None:
    """Why this sign-in must be refused (for the log only), or None to let it through."""
    if user is None:
        return "unknown-user"
    if user.password_hash is None:
        return "no-password"
    if user.disabled_at is not None:
        return "disabled"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    return None if password_ok else "wrong-password"


def _fail(
    conn: Connection, user: UserRow | None, reason: str, now: datetime, settings: Settings
) -> None:
    """Record a refused sign-in, and lock the account when it is one failure too many."""
    actor = ANONYMOUS if user is None else user.username
    organisation = None if user is None else user.organisation_id
    failed = audit.SignInFailed(
        actor=actor, organisation=organisation, details={"reason": reason}, occurred_at=now
    )
    audit.record_in(conn, failed, settings)
    if user is None or reason != "wrong-password":
        return
    add_sign_in_failure(conn, user.id, now)
    window = timedelta(minutes=settings.lockout_window_minutes)
    if sign_in_failures_since(conn, user.id, now - window) < settings.lockout_failures:
        return
    until = now + timedelta(minutes=settings.lockout_minutes)
    lock_user_row(conn, user.id, until)
    clear_sign_in_failures(conn, user.id)
    locked = audit.LockedOut(
        actor=user.username,
        organisation=organisation,
        details={"until": until.isoformat(), "failures": settings.lockout_failures},
        occurred_at=now,
    )
    audit.record_in(conn, locked, settings)


def sign_in(
    engine: Engine,
    settings: Settings,
    username: str,
    password: str,
    now: datetime,
    *,
    address: str,
) -> NewSession:
    """Open a session for `username` if `password` is theirs and the account may sign in.

    Args:
        address: the client's address, as the connection gives it (behind a reverse proxy,
            uvicorn's `--proxy-headers` makes it the forwarded one); never read from headers
            here, which anyone can forge.

    Raises:
        TooManyRequests: over `POLESTAR_SIGN_IN_PER_ADDRESS_PER_MINUTE` from `address`,
            before the password is checked.
        Unauthorised: with the same message (`REFUSED`) whatever the reason.
    """
    _throttle(engine, settings, address, now)
    username = username.strip().lower()
    with audit.transaction(engine, settings) as conn:
        user = user_row(conn, username)
        password_ok = verify_password(
            None if user is None else user.password_hash, password, settings
        )
        reason = _refusal(user, password_ok, now)
        if reason is None and user is not None and user.password_hash is not None:
            clear_sign_in_failures(conn, user.id)
            if needs_rehash(user.password_hash, settings):
                set_password_hash(conn, user.id, hash_password(password, settings), now)
            return open_session_in(conn, user, now, settings, method="password")
        _fail(conn, user, reason or "unknown-user", now, settings)
    raise Unauthorised(REFUSED)
