"""Schema upgrade: every command creates or upgrades the store itself (CONVENTIONS.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to `engine` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration's revision: each is numbered, and its file named by the number."""
    return max(
        path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    )


def stored_revision(engine: Engine) -> str | None:
    """The revision the store's schema is at; None for a store not yet made."""
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store's schema to `revision` (Alembic `upgrade head` by default).

    A store already at the head is left without loading Alembic, which took a third of a
    second of every command's start.
    """
    if revision == "head" and stored_revision(engine) == head_revision():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store's schema back to `revision`; for tests and operators undoing a release."""
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
