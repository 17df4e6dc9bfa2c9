"""retention: MoPI review decisions, and tombstones of disposed records

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

A retain decision pushes an entity's next review; a disposal leaves one tombstone per source
record (source, key, hash, who, when, why) that ingest consults to keep the record out
(issue 7, deliverable 4).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False, comment="retain or dispose"),
        sa.Column(
            "mopi_group", sa.Integer(), nullable=True, comment="the group when it was decided"
        ),
        sa.Column(
            "reason", sa.Text(), nullable=False, comment="MoPI requires one for every decision"
        ),
        sa.Column(
            "actor", sa.String(length=128), nullable=False, comment="a user name or cli:<os user>"
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "next_review",
            sa.Date(),
            nullable=True,
            comment="retain: the review it pushes the entity to",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decisions")),
    )
    op.create_index(
        "ix_retention_decisions_entity_id",
        "retention_decisions",
        ["entity_id", "decided_at"],
    )
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column(
            "content_hash", sa.String(length=64), nullable=False, comment="of its last version"
        ),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["retention_decisions.id"],
            name=op.f("fk_tombstones_decision_id_retention_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_tombstones_source")),
    )


def downgrade() -> None:
    op.drop_table("tombstones")
    op.drop_index("ix_retention_decisions_entity_id", table_name="retention_decisions")
    op.drop_table("retention_decisions")
