"""The data protection officer's view of the audit log, for callers outside the CLI.

`audit.who_viewed`, `by_user` and `heavy_users` record every reading but leave who may ask to
the caller (docs/audit.md); here only roles with `Ability.OVERSIGHT` may (the data protection
officer and administrators), and a refused attempt is itself recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access.roles import Ability, abilities
from polestar.access.viewer import Viewer
from polestar.errors import Forbidden
from polestar.settings import Settings


def _reader(engine: Engine, settings: Settings, viewer: Viewer, action: str) -> audit.Actor:
    """The viewer as a reader of the log, if their roles allow it (else recorded, 403)."""
    if Ability.OVERSIGHT in abilities(viewer.roles):
        return viewer.actor
    audit.record(
        engine, replace(viewer.consultation(action), details={"status": 403}).denied(), settings
    )
    raise Forbidden("only the data protection officer and administrators may read the audit log")


def who_viewed(
    engine: Engine, settings: Settings, viewer: Viewer, identifier: str
) -> list[audit.Found]:
    """Who consulted or was shown an entity (`PER-…`) or record (`SOURCE:KEY`), when and why."""
    reader = _reader(engine, settings, viewer, "audit.who-viewed")
    return audit.who_viewed(engine, identifier, reader=reader, settings=settings)


def by_user(engine: Engine, settings: Settings, viewer: Viewer, user: str) -> list[audit.Found]:
    """Everything the log holds of one user."""
    reader = _reader(engine, settings, viewer, "audit.by-user")
    return audit.by_user(engine, user, reader=reader, settings=settings)


def heavy_users(
    engine: Engine, settings: Settings, viewer: Viewer, day: date
) -> list[audit.HeavyUser]:
    """Users whose lookups on `day` exceeded `POLESTAR_AUDIT_LOOKUPS_PER_DAY_ALERT`."""
    reader = _reader(engine, settings, viewer, "audit.heavy-users")
    return audit.heavy_users(engine, day, reader=reader, settings=settings)
