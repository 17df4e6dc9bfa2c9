"""Migrations on both dialects: upgrade from empty, no drift from the tables, a round trip."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from polestar.store.schema import alembic_config, downgrade, upgrade
from polestar.store.tables import metadata


def test_upgrade_creates_every_declared_table(db: Engine) -> None:
    assert set(metadata.tables) <= set(sa.inspect(db).get_table_names())


def test_migrations_match_the_table_declarations(db: Engine) -> None:
    # `alembic check` fails when autogenerate would produce a new migration.
    command.check(alembic_config(db))


def test_downgrade_to_base_and_upgrade_again(db: Engine) -> None:
    downgrade(db, "base")
    assert not set(metadata.tables) & set(sa.inspect(db).get_table_names())
    upgrade(db)
    assert set(metadata.tables) <= set(sa.inspect(db).get_table_names())
