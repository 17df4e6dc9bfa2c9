"""Fixtures every test package shares: a real store on SQLite and on PostgreSQL.

`db` is parametrised over both dialects (Splink's habit): each test gets its own temp-file
SQLite database or its own throwaway PostgreSQL database in the cluster that
`scripts/with-postgres` starts for `make test`. `make test-fast` deselects the PostgreSQL
half with `-m "not postgres"`; without that, a missing cluster is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade

POSTGRES_URL = os.environ.get("POLESTAR_TEST_POSTGRES_URL")
# Argon2id at tiny cost: the suite hashes many passwords; the standard cost is tested apart.
os.environ["POLESTAR_PASSWORD_HASH_PROFILE"] = "fast"
# The limits live in the store, and a module's tests share one: they sign in dozens of users
# from one address and make hundreds of requests as one user within a minute. The tests of
# the limits set their own (tests/access/test_rate_limits.py, test_sign_in.py, e2e servers).
os.environ["POLESTAR_SIGN_IN_PER_ADDRESS_PER_MINUTE"] = "100000"
os.environ["POLESTAR_RATE_LIMIT_PER_MINUTE"] = "100000"


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.fail(
            "POLESTAR_TEST_POSTGRES_URL is not set: run `make test` (it starts PostgreSQL), "
            "or `make test-fast` for SQLite only"
        )
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of each dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'polestar.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing at the test's own store, also exported for CLI commands."""
    monkeypatch.setenv("POLESTAR_DATABASE_URL", database_url)
    monkeypatch.setenv("POLESTAR_DATA_DIR", str(tmp_path / "data"))
    from polestar.settings import get_settings

    get_settings.cache_clear()
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def db(settings: Settings) -> Iterator[Engine]:
    """An engine on an upgraded, empty store of each dialect."""
    engine = create_engine(settings=settings)
    upgrade(engine)
    yield engine
    engine.dispose()
