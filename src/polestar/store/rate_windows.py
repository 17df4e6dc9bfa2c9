"""Rate windows: the SQL that counts a request against a limit shared by every process.

Rules (the limit, the window, the wait) live in `polestar.access.rate_limits`; this module
decides nothing but whether one more hit fits, and does so in one statement, so two processes
counting the same key at once can never both take the last place.
"""

from __future__ import annotations

from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from polestar.store.tables import rate_windows

_PREVIOUS = rate_windows.alias("previous")


def _hits_in(started: sa.BindParameter[int]) -> sa.ColumnElement[int]:
    """The hits counted in the `key` parameter's window `started`: 0 when it has no row."""
    hits = sa.select(_PREVIOUS.c.hits).where(
        _PREVIOUS.c.key == sa.bindparam("key", type_=sa.String), _PREVIOUS.c.started == started
    )
    return sa.func.coalesce(hits.scalar_subquery(), 0)


def _add_hit(dialect: ModuleType) -> sa.Insert:
    """The upsert `add_hit` runs, in `dialect` (built once: building a statement and its cache
    key took most of a hit's time)."""
    weighted = _hits_in(sa.bindparam("previous", type_=sa.BigInteger)) * sa.bindparam(
        "weight", type_=sa.Float
    )
    limit = sa.bindparam("limit", type_=sa.Integer)
    first = sa.select(
        sa.bindparam("key", type_=sa.String),
        sa.bindparam("started", type_=sa.BigInteger),
        sa.literal(1, sa.Integer),
    ).where(weighted < limit)
    insert: sa.Insert = (
        dialect.insert(rate_windows)
        .from_select(["key", "started", "hits"], first)
        .on_conflict_do_update(
            index_elements=[rate_windows.c.key, rate_windows.c.started],
            set_={"hits": rate_windows.c.hits + 1},
            where=rate_windows.c.hits + weighted < limit,
        )
        .returning(rate_windows.c.hits)
    )
    return insert


_ADD_HIT = {"postgresql": _add_hit(postgresql), "sqlite": _add_hit(sqlite)}
_WINDOW_HITS = sa.select(
    _hits_in(sa.bindparam("started", type_=sa.BigInteger)),
    _hits_in(sa.bindparam("previous", type_=sa.BigInteger)),
)


def add_hit(
    conn: Connection, key: str, started: int, previous: int, weight: float, limit: int
) -> int | None:
    """Count one hit in `key`'s window `started` if the weighted count stays under `limit`.

    The weighted count is this window's hits plus `weight` times those of window `previous`.
    The check and the increment are one atomic upsert (INSERT … ON CONFLICT DO UPDATE …
    WHERE … RETURNING; SQLite 3.35+, PostgreSQL).

    Returns:
        The window's hits with this one, or None when the hit was refused (and not counted).
    """
    parameters = {
        "key": key,
        "started": started,
        "previous": previous,
        "weight": weight,
        "limit": limit,
    }
    hits: int | None = conn.execute(_ADD_HIT[conn.dialect.name], parameters).scalar_one_or_none()
    return hits


def window_hits(conn: Connection, key: str, started: int, previous: int) -> tuple[int, int]:
    """The hits counted in `key`'s windows `started` and `previous`."""
    parameters = {"key": key, "started": started, "previous": previous}
    current, earlier = conn.execute(_WINDOW_HITS, parameters).one()
    return int(current), int(earlier)


def expire_windows(conn: Connection, before: int) -> None:
    """Forget every window that started before `before` (Unix seconds)."""
    conn.execute(rate_windows.delete().where(rate_windows.c.started < before))
