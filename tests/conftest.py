"""Fixtures every test package shares: a real store on SQLite and on PostgreSQL.

`db` is parametrised over both dialects (Splink's habit): each test gets its own temp-file
SQLite database or its own throwaway PostgreSQL database in the cluster that
`scripts/with-postgres` starts for `make test`, each a copy of one migrated once per process.
`make test-fast` deselects the PostgreSQL half with `-m "not postgres"`; without that, a
missing cluster is an error, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.audit.checkpoint import checkpoint_path
from polestar.settings import Settings, get_settings
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


DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


class _Templates:
    """One store per dialect upgraded once per test process, copied for each store a test asks
    for: migrating a new store cost up to a second on PostgreSQL under the suite's load, the
    largest part of many tests' time; a copy costs a few milliseconds."""

    def __init__(self) -> None:
        self.sqlite: Path | None = None
        self.postgres: str | None = None

    def sqlite_copy(self, path: Path) -> str:
        if self.sqlite is None:
            self.sqlite = Path(tempfile.mkdtemp(prefix="polestar-template-")) / "polestar.db"
            _upgraded(f"sqlite:///{self.sqlite}")
        shutil.copyfile(self.sqlite, path)
        return f"sqlite:///{path}"

    def postgres_name(self, admin: Engine) -> str:
        if self.postgres is None:
            name = f"template_{uuid.uuid4().hex[:16]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            _upgraded(_postgres_url(name))
            self.postgres = name
        return self.postgres

    def remove(self) -> None:
        if self.sqlite is not None:
            shutil.rmtree(self.sqlite.parent, ignore_errors=True)
        if self.postgres is not None and POSTGRES_URL:
            with _admin() as admin, admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.postgres}" WITH (FORCE)'))


_templates = _Templates()
_kept = ExitStack()


Built = TypeVar("Built")
_built: dict[tuple[str, str], tuple[Settings, Any]] = {}


def built_store(
    name: str,
    dialect: str,
    build: Callable[[Engine, Settings], Built],
    tmp_path_factory: pytest.TempPathFactory,
    **overrides: Any,
) -> tuple[Settings, Built]:
    """A store of `dialect` that `build` fills once per `name` and test process (ingesting and
    linking a county takes seconds), kept until the session ends as a template for
    `copied_store`; returns its settings (`overrides` applied) and what `build` returned."""
    if (name, dialect) not in _built:
        folder = tmp_path_factory.mktemp(f"{name}-template")
        url = _kept.enter_context(store_url(dialect, folder))
        settings = Settings(database_url=url, data_dir=folder / "data", **overrides)
        engine = create_engine(settings=settings)
        try:
            with pointed_at(settings):  # for the CLI commands a build may run
                _built[name, dialect] = settings, build(engine, settings)
        finally:
            engine.dispose()
            _disconnect_everyone(url)  # a PostgreSQL template must have no connections
    settings, built = _built[name, dialect]
    return settings, built


def _disconnect_everyone(url: str) -> None:
    """End every session on `url`'s PostgreSQL database: a command run in the test process
    (`CliRunner`) leaves its engine's pooled connections open."""
    database = sa.make_url(url)
    if database.get_backend_name() == "postgresql":
        with _admin() as admin, admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": database.database},
            )


@contextmanager
def copied_store(template: Settings, folder: Path) -> Iterator[tuple[Engine, Settings]]:
    """A copy in `folder` of `template`'s store and data directory (the incremental linkage
    index, the audit key and the head checkpoint), with `POLESTAR_*` pointing at it."""
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / "data"
    if template.data_dir.exists():
        shutil.copytree(template.data_dir, data_dir)
    copy_of = str(template.database_url)
    with store_url(sa.make_url(copy_of).get_backend_name(), folder, copy_of=copy_of) as url:
        settings = template.model_copy(update={"database_url": url, "data_dir": data_dir})
        engine, original = create_engine(settings=settings), create_engine(settings=template)
        head = checkpoint_path(data_dir, original)  # named after the store it checkpoints
        original.dispose()
        if head.exists():
            head.rename(checkpoint_path(data_dir, engine))
        try:
            with pointed_at(settings):
                yield engine, settings
        finally:
            engine.dispose()


@contextmanager
def pointed_at(settings: Settings) -> Iterator[None]:
    """`POLESTAR_*` set to every setting `settings` was given (the store, its data directory,
    a threshold, ...), for CLI commands, servers and `get_settings`."""
    with pytest.MonkeyPatch.context() as patch:
        for name in settings.model_fields_set:
            value = getattr(settings, name)
            text = str(value) if isinstance(value, str | Path | int | float) else json.dumps(value)
            patch.setenv(f"POLESTAR_{name.upper()}", text)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _kept.close()
    _templates.remove()


def _upgraded(url: str) -> None:
    engine = create_engine(settings=Settings(database_url=url))
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # a PostgreSQL template must have no connections to be copied


def _postgres_url(name: str) -> str:
    assert POSTGRES_URL
    return sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def _admin() -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.fail(
            "POLESTAR_TEST_POSTGRES_URL is not set: run `make test` (it starts PostgreSQL), "
            "or `make test-fast` for SQLite only"
        )
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        yield admin
    finally:
        admin.dispose()


@contextmanager
def store_url(
    dialect: str, folder: Path, *, blank: bool = False, copy_of: str | None = None
) -> Iterator[str]:
    """The URL of a new store of `dialect` ("sqlite" or "postgresql"): at the head of the
    migrations and empty, a copy of the store at `copy_of` (which nothing may be connected
    to), or with no tables at all if `blank`. A PostgreSQL one is dropped afterwards, a SQLite
    one is a file in `folder`."""
    source = None if copy_of is None else sa.make_url(copy_of).database
    if dialect == "sqlite":
        path = folder / "polestar.db"
        if source is not None:  # through SQLite: what a live engine holds in the WAL counts
            with (
                closing(sqlite3.connect(source)) as original,
                closing(sqlite3.connect(path)) as copy,
            ):
                original.backup(copy)
        yield f"sqlite:///{path}" if blank or source else _templates.sqlite_copy(path)
        return
    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin() as admin:
        if not blank:
            source = source or _templates.postgres_name(admin)
        template = f' TEMPLATE "{source}"' if source else ""
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{template}'))
        try:
            yield _postgres_url(name)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def another_store(database_url: str, folder: Path) -> Iterator[tuple[Engine, Settings]]:
    """A further empty store, of the same dialect as `database_url`, in `folder`."""
    folder.mkdir()
    with store_url(sa.make_url(database_url).get_backend_name(), folder) as url:
        settings = Settings(database_url=url, data_dir=folder / "data")
        engine = create_engine(settings=settings)
        try:
            yield engine, settings
        finally:
            engine.dispose()


@pytest.fixture(params=DIALECTS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of each dialect, its schema at the head of the migrations."""
    with store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=DIALECTS)
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of each dialect with no tables, for the migrations' own tests."""
    with store_url(request.param, tmp_path, blank=True) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing at the test's own store, also exported for CLI commands."""
    monkeypatch.setenv("POLESTAR_DATABASE_URL", database_url)
    monkeypatch.setenv("POLESTAR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def db(settings: Settings) -> Iterator[Engine]:
    """An engine on an empty store of each dialect, its schema at the head."""
    engine = create_engine(settings=settings)
    yield engine
    engine.dispose()
