"""an event knows when its source gave only the day it happened

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

A probation supervision starts on a day, and a hearing may be listed without a time. Such a
time is stored at the start of its London day, and was shown as midnight. `day_only` says so
(`pole.model.DAY_ONLY`; the mapping engine sets it from now on). Of the events already
stored, the supervisions and hearings at the start of a London day are marked: the shipped
probation mapping reads days only, and no court lists a hearing at midnight. Other events
stay timed until a changed version of their source record arrives (an unchanged one is not
mapped again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LONDON = ZoneInfo("Europe/London")
_DAYS = ("supervision", "hearing")
_BATCH = 5_000


def _at_midnight(moment: datetime) -> bool:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_LONDON)
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("day_only", sa.Boolean))
    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("event_type", sa.String),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("day_only", sa.Boolean),
    )
    found = bind.execute(
        sa.select(events.c.id, events.c.occurred_at).where(
            events.c.event_type.in_(_DAYS), events.c.occurred_at.is_not(None)
        )
    )
    days = [event_id for event_id, moment in found if _at_midnight(moment)]
    for start in range(0, len(days), _BATCH):
        bind.execute(
            events.update()
            .where(events.c.id.in_(days[start : start + _BATCH]))
            .values(day_only=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("day_only")
