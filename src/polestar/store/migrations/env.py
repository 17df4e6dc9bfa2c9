"""Alembic environment: runs migrations on the engine `polestar.store.schema` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from polestar.store.engine import create_engine
from polestar.store.tables import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return create_engine(config.get_main_option("sqlalchemy.url"))


def run_migrations_online() -> None:
    """Run against a live connection; SQLite needs batch mode to alter tables."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
