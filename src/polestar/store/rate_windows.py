"""Rate windows: the SQL that counts a request against a limit shared by every process.

Rules (the limit, the window, the wait) live in `polestar.access.rate_limits`; this module
decides nothing but whether one more hit fits, and does so in one statement, so two processes
counting the same key at once can never both take the last place.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from polestar.store.tables import rate_windows

_PREVIOUS = rate_windows.alias("previous")


def _hits_in(key: str, started: int) -> sa.ColumnElement[int]:
    """The hits counted in `key`'s window `started`: 0 when it has no row."""
    hits = sa.select(_PREVIOUS.c.hits).where(_PREVIOUS.c.key == key, _PREVIOUS.c.started == started)
    return sa.func.coalesce(hits.scalar_subquery(), 0)


def add_hit(
    conn: Connection, key: str, started: int, previous: int, weight: float, limit: int
) -> int | None:
    """Count one hit in `key`'s window `started` if the weighted count stays under `limit`.

    The weighted count is this window's hits plus `weight` times the previous window's
    (`started` - `previous` seconds before). The check and the increment are one atomic
    upsert (INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING; SQLite 3.35+, PostgreSQL).

    Returns:
        The window's hits with this one, or None when the hit was refused (and not counted).
    """
    weighted = _hits_in(key, previous) * weight
    first = sa.select(
        sa.literal(key, sa.String), sa.literal(started, sa.BigInteger), sa.literal(1, sa.Integer)
    ).where(weighted < limit)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(rate_windows)
        .from_select(["key", "started", "hits"], first)
        .on_conflict_do_update(
            index_elements=[rate_windows.c.key, rate_windows.c.started],
            set_={"hits": rate_windows.c.hits + 1},
            where=rate_windows.c.hits + weighted < limit,
        )
        .returning(rate_windows.c.hits)
    )
    hits: int | None = conn.execute(statement).scalar_one_or_none()
    return hits


def window_hits(conn: Connection, key: str, started: int, previous: int) -> tuple[int, int]:
    """The hits counted in `key`'s windows `started` and `previous`."""
    query = sa.select(_hits_in(key, started), _hits_in(key, previous))
    current, earlier = conn.execute(query).one()
    return int(current), int(earlier)


def expire_windows(conn: Connection, before: int) -> None:
    """Forget every window that started before `before` (Unix seconds)."""
    conn.execute(rate_windows.delete().where(rate_windows.c.started < before))
