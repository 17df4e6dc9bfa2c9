"""a source record knows what its rows hold

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

0025 maps an unchanged record again when another mapping or Polestar made its rows,
and rewrote every such record: its rows, its search keys, and its place in linkage. Most
mapping changes move few of them (a column read for one field), so each record now keeps a
digest of the rows it was mapped to, and a record mapped again to the same rows is left
alone. Records stored before have none, and are rewritten the next time they are mapped
again, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.add_column(
            sa.Column(
                "rows_digest",
                sa.String(length=16),
                comment="what its typed rows, links and field warnings hold (store.records; "
                "none: stored before Polestar recorded it)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.drop_column("rows_digest")
