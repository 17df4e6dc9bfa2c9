"""linkage evidence: the link that joined each person record, term frequencies per run

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Written with each person placement so a profile can show the weight of the link that joined a
record, and an explanation scores with the same term frequencies as the batch (issue 5).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
# Chained to 0004 until 0005 (review decisions) reaches main; then "0005".
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_joins",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column(
            "other_record_id",
            sa.Integer(),
            nullable=False,
            comment="the record of the same entity it scored highest against",
        ),
        sa.Column("other_source_key", sa.String(length=256), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_record_id"],
            ["source_records.id"],
            name=op.f("fk_person_joins_other_record_id_source_records"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_person_joins_record_id_source_records"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_person_joins_run_id_runs")),
        sa.PrimaryKeyConstraint("record_id", "source_key", name=op.f("pk_person_joins")),
    )
    op.create_table(
        "link_term_frequencies",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column(
            "column_name",
            sa.String(length=32),
            nullable=False,
            comment="a TF-adjusted feature: fn, …",
        ),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column(
            "frequency",
            sa.Float(),
            nullable=False,
            comment="share of the run's records with a value that hold this one",
        ),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_link_term_frequencies_run_id_runs")
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "column_name", "value", name=op.f("pk_link_term_frequencies")
        ),
    )


def downgrade() -> None:
    op.drop_table("link_term_frequencies")
    op.drop_table("person_joins")
