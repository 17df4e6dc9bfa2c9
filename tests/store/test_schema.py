"""Migrations on both dialects: upgrade from empty, no drift from the tables, a round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings, get_settings
from polestar.store.engine import create_engine
from polestar.store.schema import alembic_config, downgrade, upgrade
from polestar.store.tables import metadata


def _tables(url: str, *, upgraded: bool = False) -> set[str]:
    """The tables of the store at `url`, after upgrading it if `upgraded`."""
    engine = create_engine(settings=Settings(database_url=url))
    try:
        if upgraded:
            upgrade(engine)
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_declared_table(blank_database_url: str) -> None:
    assert not _tables(blank_database_url)
    assert set(metadata.tables) <= _tables(blank_database_url, upgraded=True)


def test_a_command_creates_the_store_on_first_use(
    blank_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLESTAR_DATABASE_URL", blank_database_url)
    monkeypatch.setenv("POLESTAR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["users", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["users"] == []
    assert set(metadata.tables) <= _tables(blank_database_url)


def test_migrations_match_the_table_declarations(db: Engine) -> None:
    # `alembic check` fails when autogenerate would produce a new migration.
    command.check(alembic_config(db))


def test_downgrade_to_base_and_upgrade_again(db: Engine) -> None:
    downgrade(db, "base")
    assert not set(metadata.tables) & set(sa.inspect(db).get_table_names())
    upgrade(db)
    assert set(metadata.tables) <= set(sa.inspect(db).get_table_names())
