"""The engine factory: the one store name the edges may use besides the schema upgrade.

SQLite runs in WAL mode with one writer (ARCHITECTURE.md premise 8); PostgreSQL through
psycopg 3. Domain code does not know which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.settings import Settings, get_settings

__all__ = ["Engine", "create_engine"]  # Engine too: the edges hold one, typed, never query it


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while the single writer writes; NORMAL is crash-safe in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-131072")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def create_engine(url: str | None = None, settings: Settings | None = None) -> Engine:
    """An engine for `url`, else for the configured store (CONVENTIONS.md, "The database").

    Args:
        url: any SQLAlchemy URL; defaults to `POLESTAR_DATABASE_URL` or the SQLite file.
        settings: settings to read the default from (the process's settings if omitted).
    """
    settings = settings or get_settings()
    url = url or settings.resolved_database_url()
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _tune_sqlite)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)
