"""Sessions: the SQL for signed-in browser sessions.

A row is named by the SHA-256 of the session's cookie value; the rules (timeouts, who may sign
in) live in `polestar.access.sessions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.accounts import as_utc
from polestar.store.tables import sessions, users


@dataclass(frozen=True)
class SessionRow:
    """A session with the user it belongs to as the users table holds them now."""

    id_hash: str
    user_id: int
    username: str
    organisation_id: str
    roles: tuple[str, ...]
    user_disabled_at: datetime | None
    method: str
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    purpose: str | None
    justification: str | None


def _session(row: Any) -> SessionRow:
    return SessionRow(
        id_hash=row.id_hash,
        user_id=row.user_id,
        username=row.username,
        organisation_id=row.organisation_id,
        roles=tuple(row.roles),
        user_disabled_at=as_utc(row.disabled_at),
        method=row.method,
        started_at=as_utc(row.started_at) or row.started_at,
        last_seen_at=as_utc(row.last_seen_at) or row.last_seen_at,
        ended_at=as_utc(row.ended_at),
        end_reason=row.end_reason,
        purpose=row.purpose,
        justification=row.justification,
    )


def insert_session(
    conn: Connection, id_hash: str, user_id: int, method: str, now: datetime
) -> None:
    """Start a session for a user who has just proved who they are."""
    conn.execute(
        sessions.insert().values(
            id_hash=id_hash, user_id=user_id, method=method, started_at=now, last_seen_at=now
        )
    )


def session_row(conn: Connection, id_hash: str) -> SessionRow | None:
    """One session by the hash of its cookie value, ended or not."""
    row = conn.execute(
        sa.select(
            sessions,
            users.c.username,
            users.c.organisation_id,
            users.c.roles,
            users.c.disabled_at,
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id_hash == id_hash)
    ).first()
    return None if row is None else _session(row)


def touch_session(conn: Connection, id_hash: str, now: datetime) -> None:
    """Note that the session was used at `now` (what the idle timeout counts from)."""
    conn.execute(
        sessions.update()
        .where(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
        .values(last_seen_at=now)
    )


def end_session_row(conn: Connection, id_hash: str, now: datetime, reason: str) -> bool:
    """End one session; returns whether it was still open (ending twice keeps the first)."""
    result = conn.execute(
        sessions.update()
        .where(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return bool(result.rowcount)


def end_user_sessions(conn: Connection, user_id: int, now: datetime, reason: str) -> int:
    """End every open session of a user; returns how many were open."""
    result = conn.execute(
        sessions.update()
        .where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return int(result.rowcount)


def set_session_purpose(
    conn: Connection, id_hash: str, purpose: str, justification: str | None
) -> None:
    """Record the purpose (and justification) the user chose for the session."""
    conn.execute(
        sessions.update()
        .where(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
        .values(purpose=purpose, justification=justification)
    )
