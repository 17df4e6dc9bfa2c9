"""Accounts: the SQL for organisations, users, API tokens and stored sharing agreements.

Rules (who may hold which role, what a token proves, when an agreement is in force) live in
`polestar.access`; this module only reads and writes rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.tables import agreements, api_tokens, organisations, sign_in_failures, users


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timezone-aware columns back naive; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OrganisationRow:
    id: str
    name: str
    home: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str | None
    organisation_id: str
    roles: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None
    password_hash: str | None = None
    locked_until: datetime | None = None
    oidc_subject: str | None = None


@dataclass(frozen=True)
class TokenRow:
    id: str
    user_id: int
    username: str
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    user_disabled_at: datetime | None


@dataclass(frozen=True)
class AgreementRow:
    organisation_id: str
    version: int
    document: dict[str, Any]
    content_hash: str
    origin: str
    loaded_at: datetime


def organisation_rows(conn: Connection) -> list[OrganisationRow]:
    """Every organisation, in id order."""
    rows = conn.execute(sa.select(organisations).order_by(organisations.c.id))
    return [OrganisationRow(r.id, r.name, r.home, tuple(r.sources)) for r in rows]


def _user(row: Any) -> UserRow:
    return UserRow(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        organisation_id=row.organisation_id,
        roles=tuple(row.roles),
        created_at=as_utc(row.created_at) or row.created_at,
        disabled_at=as_utc(row.disabled_at),
        password_hash=row.password_hash,
        locked_until=as_utc(row.locked_until),
        oidc_subject=row.oidc_subject,
    )


def insert_user(
    conn: Connection,
    username: str,
    organisation_id: str,
    roles: list[str],
    full_name: str | None,
    now: datetime,
    oidc_subject: str | None = None,
) -> UserRow:
    """Add a user (the caller has checked the name is free and the roles are known)."""
    result = conn.execute(
        users.insert().values(
            username=username,
            full_name=full_name,
            organisation_id=organisation_id,
            roles=roles,
            created_at=now,
            oidc_subject=oidc_subject,
        )
    )
    user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return UserRow(
        id=user_id,
        username=username,
        full_name=full_name,
        organisation_id=organisation_id,
        roles=tuple(roles),
        created_at=now,
        disabled_at=None,
        oidc_subject=oidc_subject,
    )


def user_row(conn: Connection, username: str) -> UserRow | None:
    """The user with this name, disabled or not."""
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return None if row is None else _user(row)


def user_row_by_subject(conn: Connection, oidc_subject: str) -> UserRow | None:
    """The user a single sign-on identity (issuer and `sub`) is bound to, if any."""
    row = conn.execute(sa.select(users).where(users.c.oidc_subject == oidc_subject)).first()
    return None if row is None else _user(row)


def bind_subject(conn: Connection, user_id: int, oidc_subject: str) -> None:
    """Bind a single sign-on identity to a user that has none."""
    conn.execute(
        users.update()
        .where(users.c.id == user_id, users.c.oidc_subject.is_(None))
        .values(oidc_subject=oidc_subject)
    )


def user_rows(conn: Connection, limit: int | None = None, offset: int = 0) -> list[UserRow]:
    """Users by organisation then name: every one, or `limit` from the `offset`th."""
    rows = conn.execute(
        sa.select(users)
        .order_by(users.c.organisation_id, users.c.username)
        .limit(limit)
        .offset(offset)
    )
    return [_user(row) for row in rows]


def set_user_membership(
    conn: Connection, user_id: int, organisation_id: str, roles: list[str]
) -> None:
    """Set a user's organisation and roles (single sign-on keeps them as the provider says)."""
    conn.execute(
        users.update()
        .where(users.c.id == user_id)
        .values(organisation_id=organisation_id, roles=roles)
    )


def disable_user_row(conn: Connection, user_id: int, now: datetime) -> None:
    """Mark a user disabled (kept, never deleted: audit entries name them)."""
    conn.execute(
        users.update()
        .where(users.c.id == user_id, users.c.disabled_at.is_(None))
        .values(disabled_at=now)
    )


def set_password_hash(conn: Connection, user_id: int, password_hash: str, now: datetime) -> None:
    """Store a user's new password hash (the caller has checked the rules and hashed it)."""
    conn.execute(
        users.update()
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, password_set_at=now, locked_until=None)
    )


def add_sign_in_failure(conn: Connection, user_id: int, now: datetime) -> None:
    """Note one failed sign-in, counted towards a lockout."""
    conn.execute(sign_in_failures.insert().values(user_id=user_id, failed_at=now))


def sign_in_failures_since(conn: Connection, user_id: int, since: datetime) -> int:
    """How many times signing in as the user failed after `since`."""
    count = conn.execute(
        sa.select(sa.func.count())
        .select_from(sign_in_failures)
        .where(sign_in_failures.c.user_id == user_id, sign_in_failures.c.failed_at > since)
    ).scalar_one()
    return int(count)


def clear_sign_in_failures(conn: Connection, user_id: int) -> None:
    """Forget a user's failed sign-ins (a successful sign-in or a lockout starts afresh)."""
    conn.execute(sign_in_failures.delete().where(sign_in_failures.c.user_id == user_id))


def lock_user_row(conn: Connection, user_id: int, until: datetime) -> None:
    """Refuse the user's sign-ins until `until`."""
    conn.execute(users.update().where(users.c.id == user_id).values(locked_until=until))


def insert_token(
    conn: Connection,
    token_id: str,
    user_id: int,
    secret_hash: str,
    scopes: list[str],
    created_at: datetime,
    expires_at: datetime,
) -> None:
    """Store a token's id and the hash of its secret, never the secret."""
    conn.execute(
        api_tokens.insert().values(
            id=token_id,
            user_id=user_id,
            secret_hash=secret_hash,
            scopes=scopes,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def _tokens_with_users() -> sa.Select[Any]:
    return sa.select(
        api_tokens, users.c.username, users.c.disabled_at.label("user_disabled_at")
    ).join(users, users.c.id == api_tokens.c.user_id)


def _token(row: Any) -> TokenRow:
    return TokenRow(
        id=row.id,
        user_id=row.user_id,
        username=row.username,
        secret_hash=row.secret_hash,
        scopes=tuple(row.scopes),
        created_at=as_utc(row.created_at) or row.created_at,
        expires_at=as_utc(row.expires_at) or row.expires_at,
        revoked_at=as_utc(row.revoked_at),
        user_disabled_at=as_utc(row.user_disabled_at),
    )


def token_row(conn: Connection, token_id: str) -> TokenRow | None:
    """One token by its public id."""
    row = conn.execute(_tokens_with_users().where(api_tokens.c.id == token_id)).first()
    return None if row is None else _token(row)


def token_rows(conn: Connection, limit: int | None = None, offset: int = 0) -> list[TokenRow]:
    """Tokens newest first: every one, or `limit` from the `offset`th."""
    rows = conn.execute(
        _tokens_with_users()
        .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_token(row) for row in rows]


def revoke_token_row(conn: Connection, token_id: str, now: datetime) -> None:
    """Mark a token revoked; revoking twice keeps the first time."""
    conn.execute(
        api_tokens.update()
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _agreement(row: Any) -> AgreementRow:
    return AgreementRow(
        organisation_id=row.organisation_id,
        version=row.version,
        document=row.document,
        content_hash=row.content_hash,
        origin=row.origin,
        loaded_at=as_utc(row.loaded_at) or row.loaded_at,
    )


def _current() -> sa.Select[Any]:
    return sa.select(agreements).where(agreements.c.replaced_at.is_(None))


def agreement_row(conn: Connection, organisation_id: str) -> AgreementRow | None:
    """The organisation's current agreement (the latest version loaded), if any."""
    row = conn.execute(_current().where(agreements.c.organisation_id == organisation_id)).first()
    return None if row is None else _agreement(row)


def agreement_rows(conn: Connection) -> list[AgreementRow]:
    """Every organisation's current agreement."""
    rows = conn.execute(_current().order_by(agreements.c.organisation_id))
    return [_agreement(row) for row in rows]


def store_agreement_row(
    conn: Connection,
    organisation_id: str,
    document: dict[str, Any],
    content_hash: str,
    origin: str,
    now: datetime,
) -> tuple[int, bool]:
    """Make `document` the organisation's current agreement, as a new version if it changed.

    Returns:
        the current version and whether it is new (the same content again changes nothing).
    """
    current = agreement_row(conn, organisation_id)
    if current is not None and current.content_hash == content_hash:
        return current.version, False
    version = 1 if current is None else current.version + 1
    conn.execute(
        agreements.update()
        .where(agreements.c.organisation_id == organisation_id, agreements.c.replaced_at.is_(None))
        .values(replaced_at=now)
    )
    conn.execute(
        agreements.insert().values(
            organisation_id=organisation_id,
            version=version,
            document=document,
            content_hash=content_hash,
            origin=origin,
            loaded_at=now,
        )
    )
    return version, True
