"""a source record whose rows an ingest replaced says so until linkage places them anew

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

An ingest hands the records whose rows it replaced to the linking process, which places them
anew. An ingest killed before the hand-over, or a linking process that failed, left them where
their old rows were placed, and `link --incremental` places only what no entity holds: nothing
said they were waiting. The store now does, until they are placed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.add_column(
            sa.Column(
                "rows_replaced_run_id",
                sa.Integer(),
                comment="the ingest that gave it other rows, until linkage has placed them "
                "anew (store.linkable.awaiting_placement)",
            )
        )
        batch.create_foreign_key(
            batch.f("fk_source_records_rows_replaced_run_id_runs"),
            "runs",
            ["rows_replaced_run_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.drop_constraint(
            batch.f("fk_source_records_rows_replaced_run_id_runs"), type_="foreignkey"
        )
        batch.drop_column("rows_replaced_run_id")
