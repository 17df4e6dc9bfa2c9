"""API tokens: how programs authenticate to the API (people in a browser sign in instead).

A token reads `pst_<id>_<secret>`. The id is public and finds the row; only the SHA-256 of the
secret is stored, and it is compared in constant time. The secret is a 256-bit
`secrets.token_urlsafe` value, so a plain hash (no key stretching) is enough: there is no
password to guess. Tokens are scoped (read, review, admin), expire (90 days unless told) and
can be revoked; a disabled user's tokens stop working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access.roles import Ability, abilities
from polestar.access.viewer import Viewer
from polestar.errors import FieldError, Forbidden, InvalidInput, Unauthorised
from polestar.settings import Settings
from polestar.store.accounts import (
    TokenRow,
    insert_token,
    revoke_token_row,
    token_row,
    token_rows,
    user_row,
)

DEFAULT_DAYS = 90
_PREFIX = "pst_"
_TOKEN = re.compile(r"^pst_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_REFUSALS = {
    "expired": "token expired: create a new one with `polestar tokens create`",
    "revoked": "token revoked",
    "user-disabled": "the token's user is disabled",
}
# Hashed when the id is unknown, so an unknown id and a wrong secret take the same time.
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


class TokenScope(StrEnum):
    """What a token may be used for; a route names the one it needs."""

    READ = "read"
    REVIEW = "review"
    ADMIN = "admin"


SCOPES: tuple[str, ...] = tuple(scope.value for scope in TokenScope)


# The scope each ability brings a signed-in user's session (a token carries its own scopes).
# Every user may read.
_ABILITY_SCOPES: dict[Ability, TokenScope] = {
    Ability.REVIEW: TokenScope.REVIEW,
    Ability.READ_ADMINISTRATION: TokenScope.ADMIN,
}


def scopes_for_roles(roles: Iterable[str]) -> tuple[TokenScope, ...]:
    """The scopes a user holding `roles` has when signed in, in `TokenScope` order."""
    granted = abilities(roles)
    held = {TokenScope.READ, *(scope for a, scope in _ABILITY_SCOPES.items() if a in granted)}
    return tuple(scope for scope in TokenScope if scope in held)


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for: the user, their organisation and roles, and its scopes.

    A token's scopes are its own; a session's come from the user's roles (`scopes_for_roles`)
    and it carries the purpose and justification chosen for it. The web layer turns a
    Principal into a `Viewer` once the request's purpose is known.
    """

    user: str
    organisation: str
    roles: frozenset[str]
    scopes: frozenset[str]
    token_id: str | None = None
    purpose: str | None = None
    justification: str | None = None

    def require(self, scope: str) -> None:
        """Refuse (403) a request the token, or the signed-in user's roles, are not scoped for."""
        if scope not in self.scopes:
            held = "this token lacks" if self.token_id else "your roles do not give"
            raise Forbidden(f"{held} the {scope!r} scope")

    def viewer(self, purpose: str | None, justification: str | None = None) -> Viewer:
        """The Viewer for one request: the purpose it states, else the session's."""
        if purpose is None:
            purpose, justification = self.purpose, justification or self.justification
        return Viewer(self.user, self.organisation, self.roles, purpose, justification)


@dataclass(frozen=True)
class NewToken:
    """A token just created: the only time its secret exists outside the caller's hands."""

    id: str
    token: str
    username: str
    scopes: tuple[str, ...]
    expires_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `tokens create --json`."""
        return {
            "id": self.id,
            "token": self.token,
            "user": self.username,
            "scopes": list(self.scopes),
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as `tokens list` shows it: never the secret or its hash."""

    id: str
    username: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    status: str  # active, expired, revoked, user-disabled

    def as_dict(self) -> dict[str, Any]:
        """One item of `tokens list --json`."""
        return {
            "id": self.id,
            "user": self.username,
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "status": self.status,
        }


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _status(row: TokenRow, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.user_disabled_at is not None:
        return "user-disabled"
    if row.expires_at <= now:
        return "expired"
    return "active"


def create_token(
    engine: Engine,
    username: str,
    scopes: Sequence[str],
    now: datetime,
    days: int = DEFAULT_DAYS,
    *,
    actor: str,
    settings: Settings,
) -> NewToken:
    """Create a token for a user; the returned secret is never stored or shown again.

    Recorded as an alteration by `actor` (the token's id, user and scopes; never the secret).

    Raises:
        InvalidInput: listing every problem: unknown or disabled user, no or unknown scope,
            a lifetime under one day.
    """
    problems: list[FieldError] = []
    if not scopes:
        problems.append(FieldError("scope", f"give at least one scope: {', '.join(SCOPES)}"))
    problems.extend(
        FieldError("scope", f"no scope {scope!r}; known: {', '.join(SCOPES)}")
        for scope in scopes
        if scope not in SCOPES
    )
    if days < 1:
        problems.append(FieldError("expires", "a token lasts at least one day"))
    with audit.transaction(engine, settings) as conn:
        user = user_row(conn, username)
        if user is None:
            problems.append(FieldError("user", f"no user named {username!r}"))
        elif user.disabled_at is not None:
            problems.append(FieldError("user", f"user {username!r} is disabled"))
        if problems or user is None:
            raise InvalidInput(f"cannot create a token for {username!r}", problems)
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        unique_scopes = list(dict.fromkeys(scopes))
        expires_at = now + timedelta(days=days)
        insert_token(conn, token_id, user.id, _hash(secret), unique_scopes, now, expires_at)
        details = {"token": token_id, "user": username, "scopes": unique_scopes}
        audit.record_in(
            conn, audit.Alteration(action="tokens.create", actor=actor, details=details)
        )
    return NewToken(
        token_id, f"{_PREFIX}{token_id}_{secret}", username, tuple(unique_scopes), expires_at
    )


def list_tokens(
    engine: Engine, now: datetime, limit: int | None = None, offset: int = 0
) -> list[TokenInfo]:
    """Tokens with their status at `now`, newest first: every one, or `limit` from the
    `offset`th."""
    with engine.connect() as conn:
        rows = token_rows(conn, limit, offset)
    return [
        TokenInfo(
            row.id, row.username, row.scopes, row.created_at, row.expires_at, _status(row, now)
        )
        for row in rows
    ]


def revoke_token(
    engine: Engine, token_id: str, now: datetime, *, actor: str, settings: Settings
) -> TokenInfo:
    """Revoke a token by its id (revoking twice keeps the first time); recorded by `actor`.

    Raises:
        InvalidInput: no token has that id.
    """
    token_id = token_id.removeprefix(_PREFIX)
    with audit.transaction(engine, settings) as conn:
        if token_row(conn, token_id) is None:
            raise InvalidInput(f"no token {token_id!r}: see `polestar tokens list`")
        revoke_token_row(conn, token_id, now)
        details = {"token": token_id}
        audit.record_in(
            conn, audit.Alteration(action="tokens.revoke", actor=actor, details=details)
        )
        row = token_row(conn, token_id)
    assert row is not None  # tokens are never deleted
    return TokenInfo(
        row.id, row.username, row.scopes, row.created_at, row.expires_at, _status(row, now)
    )


def authenticate(engine: Engine, bearer_token: str, now: datetime) -> Principal:
    """Who a bearer token speaks for, if it is valid at `now`.

    Raises:
        Unauthorised: the token is malformed, unknown, has the wrong secret, is expired or
            revoked, or its user is disabled. Before the secret is verified every failure reads
            the same, so the answer never tells a guesser that an id exists.
    """
    match = _TOKEN.match(bearer_token.strip())
    if match is None:
        raise Unauthorised("invalid token")
    token_id, secret = match.groups()
    with engine.connect() as conn:
        row = token_row(conn, token_id)
        user = None if row is None else user_row(conn, row.username)
    expected = _DUMMY_HASH if row is None else row.secret_hash
    if not hmac.compare_digest(expected, _hash(secret)) or row is None or user is None:
        raise Unauthorised("invalid token")
    status = _status(row, now)
    if status != "active":
        raise Unauthorised(_REFUSALS[status])
    return Principal(
        user=user.username,
        organisation=user.organisation_id,
        roles=frozenset(user.roles),
        scopes=frozenset(row.scopes),
        token_id=row.id,
    )
