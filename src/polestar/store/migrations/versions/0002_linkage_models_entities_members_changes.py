"""linkage: models, entities, members, changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.String(length=16), nullable=False, comment="PER-…, VEH-…, LOC-…"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_run_id", sa.Integer(), nullable=False),
        sa.Column(
            "retired_run_id",
            sa.Integer(),
            nullable=True,
            comment="the run that merged it away or left it without records",
        ),
        sa.Column("records", sa.Integer(), nullable=False, comment="member records, for listing"),
        sa.ForeignKeyConstraint(
            ["created_run_id"], ["runs.id"], name=op.f("fk_entities_created_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["retired_run_id"], ["runs.id"], name=op.f("fk_entities_retired_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
    )
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.create_index("ix_entities_kind", ["kind", "retired_run_id"], unique=False)

    op.create_table(
        "link_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.String(length=16), nullable=False, comment="person (the probabilistic stage)"
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False, comment="duckdb or spark"),
        sa.Column("model", sa.JSON(), nullable=False, comment="Splink's model JSON"),
        sa.Column(
            "defaults", sa.JSON(), nullable=True, comment="parameters training could not estimate"
        ),
        sa.Column("records", sa.Integer(), nullable=False, comment="records it was trained on"),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_link_models_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_models")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_link_models_kind")),
    )
    op.create_table(
        "entity_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_id", sa.String(length=16), nullable=False),
        sa.Column("new_id", sa.String(length=16), nullable=False),
        sa.Column(
            "reason",
            sa.String(length=16),
            nullable=False,
            comment="merged: old is retired into new; split: records left old for new",
        ),
        sa.Column("records", sa.Integer(), nullable=False, comment="records that moved"),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["new_id"], ["entities.id"], name=op.f("fk_entity_changes_new_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["old_id"], ["entities.id"], name=op.f("fk_entity_changes_old_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_entity_changes_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_changes")),
    )
    with op.batch_alter_table("entity_changes", schema=None) as batch_op:
        batch_op.create_index("ix_entity_changes_old_id", ["old_id"], unique=False)

    op.create_table(
        "entity_members",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=16), nullable=False),
        sa.Column(
            "model_version",
            sa.Integer(),
            nullable=True,
            comment="person model that placed it, if any",
        ),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_entity_members_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_entity_members_record_id_source_records"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_entity_members_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("kind", "record_id", "source_key", name=op.f("pk_entity_members")),
    )
    with op.batch_alter_table("entity_members", schema=None) as batch_op:
        batch_op.create_index("ix_entity_members_entity_id", ["entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("entity_members", schema=None) as batch_op:
        batch_op.drop_index("ix_entity_members_entity_id")

    op.drop_table("entity_members")
    with op.batch_alter_table("entity_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_entity_changes_old_id")

    op.drop_table("entity_changes")
    op.drop_table("link_models")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_index("ix_entities_kind")

    op.drop_table("entities")
