"""a source record knows which mapping made its rows

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

An unchanged record was never mapped again, so a corrected mapping, or a Polestar that reads
values otherwise (0024's days), reached only the records that changed after it. Each record
now keeps the digest of the mapping and engine version that made its rows
(`sources.engine.mapping_digest`), and ingest maps an unchanged record again when they differ.
The records already stored have none, so the next ingest of each export maps them all again
once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.add_column(
            sa.Column(
                "mapping_digest",
                sa.String(length=16),
                comment="the mapping and engine version its rows were made by "
                "(sources.engine.mapping_digest; none: stored before Polestar recorded it)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.drop_column("mapping_digest")
