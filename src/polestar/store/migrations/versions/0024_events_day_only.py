"""an event knows when its source gave only the day it happened

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

A probation supervision starts on a day, and a hearing may be listed without a time. Such a
time is stored at the start of its day, and was shown as midnight. `day_only` says so
(`pole.model.DAY_ONLY`). Events stored before this are left as they were (NULL: timed) until
their source record is ingested again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("day_only", sa.Boolean))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("day_only")
