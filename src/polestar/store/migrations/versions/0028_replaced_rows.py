"""the records whose rows an ingest replaced since the last batch run

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

An ingest hands the records whose rows it replaced to the linking process, which places them
anew. An ingest killed before the hand-over, or a linking process that failed, left them where
their old rows were placed, and `link --incremental` places only what no entity holds: nothing
said they were waiting. And a later session's incremental index, built by the batch run, took
in only rows placed since, so it kept the old values of a record that stayed where it was, and
the rows a new version dropped. The store now lists them until the next batch run.
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
    op.create_table(
        "replaced_rows",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False, comment="the ingest"),
        sa.Column(
            "placed_run_id",
            sa.Integer(),
            comment="the linkage run that placed them anew; none: awaiting placement",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_replaced_rows_record_id_source_records"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_replaced_rows_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["placed_run_id"], ["runs.id"], name=op.f("fk_replaced_rows_placed_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_replaced_rows")),
    )


def downgrade() -> None:
    op.drop_table("replaced_rows")
