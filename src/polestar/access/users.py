"""Users: people who sign in, each belonging to one organisation and holding roles.

Users are never deleted — audit entries name them — only disabled, which stops their tokens
and ends their sessions at once. An administrator resets a password by having a new one
generated (shown once); that too ends the user's sessions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access.organisations import organisations
from polestar.access.passwords import generate_password, hash_password, password_problems
from polestar.access.roles import ROLES
from polestar.access.sessions import end_sessions_in
from polestar.access.viewer import Viewer
from polestar.errors import FieldError, InvalidInput, Unauthorised
from polestar.settings import Settings
from polestar.store.accounts import (
    UserRow,
    disable_user_row,
    insert_user,
    set_password_hash,
    user_row,
    user_rows,
)

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class User:
    """A user as commands and the API show them (no token, no secret)."""

    username: str
    full_name: str | None
    organisation: str
    roles: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            row.username,
            row.full_name,
            row.organisation_id,
            row.roles,
            row.created_at,
            row.disabled_at,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `users add --json` and each item of `users list --json`."""
        return {
            "username": self.username,
            "full_name": self.full_name,
            "organisation": self.organisation,
            "roles": list(self.roles),
            "created_at": self.created_at.isoformat(),
            "disabled": self.disabled_at is not None,
        }


def add_user(
    engine: Engine,
    username: str,
    organisation: str,
    roles: Sequence[str],
    now: datetime,
    full_name: str | None = None,
    *,
    actor: str,
    settings: Settings,
) -> User:
    """Add a user to an organisation with one or more roles (recorded as an alteration).

    Args:
        actor: who adds them (a user name, or `cli:<os user>`), for the audit entry.

    Raises:
        InvalidInput: listing every problem: a malformed or taken name, an unknown
            organisation or role, no role at all.
    """
    with audit.transaction(engine, settings) as conn:
        known = organisations(conn)
        problems: list[FieldError] = []
        if not _USERNAME.match(username):
            problems.append(
                FieldError(
                    "username",
                    f"{username!r} must be 2–64 characters: lower-case letters, digits, "
                    "'.', '_' or '-', starting with a letter",
                )
            )
        elif user_row(conn, username) is not None:
            problems.append(FieldError("username", f"{username!r} is taken"))
        if organisation not in known:
            problems.append(
                FieldError(
                    "org", f"no organisation {organisation!r}; known: {', '.join(sorted(known))}"
                )
            )
        if not roles:
            problems.append(FieldError("role", f"give at least one role: {', '.join(ROLES)}"))
        for role in roles:
            if role not in ROLES:
                problems.append(FieldError("role", f"no role {role!r}; known: {', '.join(ROLES)}"))
        if problems:
            raise InvalidInput(f"cannot add user {username!r}", problems)
        unique_roles = list(dict.fromkeys(roles))
        user = User.from_row(
            insert_user(conn, username, organisation, unique_roles, full_name, now)
        )
        details = {"user": username, "organisation": organisation, "roles": unique_roles}
        audit.record_in(conn, audit.Alteration(action="users.add", actor=actor, details=details))
        return user


def list_users(engine: Engine, limit: int | None = None, offset: int = 0) -> list[User]:
    """Users, disabled ones included, by organisation then name: every one, or `limit` from
    the `offset`th."""
    with engine.connect() as conn:
        return [User.from_row(row) for row in user_rows(conn, limit, offset)]


def _row(conn: Connection, username: str) -> UserRow:
    row = user_row(conn, username)
    if row is None:
        raise InvalidInput(f"no user named {username!r}: see `polestar users list`")
    return row


def find_user(engine: Engine, username: str) -> User:
    """One user, disabled or not.

    Raises:
        InvalidInput: no user has that name.
    """
    with engine.connect() as conn:
        return User.from_row(_row(conn, username))


def disable_user(
    engine: Engine, username: str, now: datetime, *, actor: str, settings: Settings
) -> User:
    """Disable a user: their tokens stop working, their sessions end, and they can no longer
    sign in or act (`--as`).

    Disabling a disabled user changes nothing. Recorded as an alteration by `actor`.
    Raises `InvalidInput` for an unknown name.
    """
    with audit.transaction(engine, settings) as conn:
        row = _row(conn, username)
        disable_user_row(conn, row.id, now)
        audit.record_in(
            conn,
            audit.Alteration(action="users.disable", actor=actor, details={"user": username}),
        )
        end_sessions_in(conn, row, now, "user-disabled")
        return User.from_row(_row(conn, username))


@dataclass(frozen=True)
class NewPassword:
    """A password just set: a generated one is printed once; both are stored only as hashes."""

    username: str
    password: str
    generated: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `users set-password --json` (`password` null when one was given)."""
        return {"username": self.username, "password": self.password if self.generated else None}


def reset_password(
    engine: Engine,
    username: str,
    now: datetime,
    *,
    actor: str,
    settings: Settings,
    password: str | None = None,
) -> NewPassword:
    """Set a user's password and end their sessions (an administrator's reset).

    Without `password` a strong one is generated and returned once; a given one must meet
    the rules (`passwords.password_problems`). Either is stored only as its argon2id hash, and
    a lockout in force is lifted. Recorded as an alteration by `actor` (never the password).

    Raises:
        InvalidInput: no user has that name, or the given password breaks a rule (each one
            listed).
    """
    user = find_user(engine, username)
    generated = password is None
    if password is None:
        password = generate_password()
    elif problems := password_problems(password, user.username, user.organisation):
        raise InvalidInput(f"cannot use that password for {username!r}", problems)
    password_hash = hash_password(password, settings)  # slow by design: outside the lock
    with audit.transaction(engine, settings) as conn:
        row = _row(conn, username)
        set_password_hash(conn, row.id, password_hash, now)
        details = {"user": username, "generated": generated}
        audit.record_in(
            conn,
            audit.Alteration(action="users.set-password", actor=actor, details=details),
            settings,
        )
        end_sessions_in(conn, row, now, "password-reset", settings)
    return NewPassword(username, password, generated)


def viewer_for(
    engine: Engine, username: str, purpose: str | None, justification: str | None = None
) -> Viewer:
    """The Viewer for a named user acting now (`--as USERNAME` in the CLI).

    Raises:
        InvalidInput: no such user.
        Unauthorised: the user is disabled.
    """
    user = find_user(engine, username)
    if user.disabled_at is not None:
        raise Unauthorised(f"user {username!r} is disabled")
    return Viewer(username, user.organisation, frozenset(user.roles), purpose, justification)
