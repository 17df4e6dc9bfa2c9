"""review: link decisions, the must-link and cannot-link pairs they make, review items

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

People's decisions about linkage (confirm, reject, merge, split) are a ledger; each leaves
record-level constraints that every later run respects (docs/linkage.md, "Review and
decisions"); pairs a run scores in the uncertain band wait in `review_items`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "decision",
            sa.String(length=16),
            nullable=False,
            comment="confirm, reject, merge, split",
        ),
        sa.Column(
            "entity_id",
            sa.String(length=16),
            nullable=True,
            comment="merge: the id kept; split: the id split; a pair: its left record's entity",
        ),
        sa.Column(
            "other_entity_id",
            sa.String(length=16),
            nullable=True,
            comment="merge: the id retired; split: the new id; a pair: its right record's entity",
        ),
        sa.Column(
            "actor", sa.String(length=128), nullable=False, comment="a user name or cli:<os user>"
        ),
        sa.Column("organisation", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True, comment="merge or split's run"),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_link_decisions_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(
            ["other_entity_id"],
            ["entities.id"],
            name=op.f("fk_link_decisions_other_entity_id_entities"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_link_decisions_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_decisions")),
    )
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_link_decisions_entity_id", ["entity_id"], unique=False)
        batch_op.create_index(
            "ix_link_decisions_other_entity_id", ["other_entity_id"], unique=False
        )

    op.create_table(
        "link_constraints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=8), nullable=False, comment="must or cannot"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id_l", sa.Integer(), nullable=False),
        sa.Column("source_l", sa.String(length=64), nullable=False),
        sa.Column("source_key_l", sa.String(length=256), nullable=False),
        sa.Column("record_id_r", sa.Integer(), nullable=False),
        sa.Column("source_r", sa.String(length=64), nullable=False),
        sa.Column("source_key_r", sa.String(length=256), nullable=False),
        sa.Column(
            "superseded_by",
            sa.Integer(),
            nullable=True,
            comment="a later decision about the same pair; NULL while in force",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["link_decisions.id"],
            name=op.f("fk_link_constraints_decision_id_link_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id_l"],
            ["source_records.id"],
            name=op.f("fk_link_constraints_record_id_l_source_records"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id_r"],
            ["source_records.id"],
            name=op.f("fk_link_constraints_record_id_r_source_records"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["link_decisions.id"],
            name=op.f("fk_link_constraints_superseded_by_link_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_constraints")),
    )
    with op.batch_alter_table("link_constraints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_link_constraints_left", ["kind", "record_id_l", "source_key_l"], unique=False
        )
        batch_op.create_index(
            "ix_link_constraints_right", ["kind", "record_id_r", "source_key_r"], unique=False
        )

    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id_l", sa.Integer(), nullable=False),
        sa.Column("source_l", sa.String(length=64), nullable=False),
        sa.Column("source_key_l", sa.String(length=256), nullable=False),
        sa.Column("record_id_r", sa.Integer(), nullable=False),
        sa.Column("source_r", sa.String(length=64), nullable=False),
        sa.Column("source_key_r", sa.String(length=256), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False, comment="when it was queued"),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decision_id", sa.Integer(), nullable=True, comment="NULL while the item is open"
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["link_decisions.id"],
            name=op.f("fk_review_items_decision_id_link_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id_l"],
            ["source_records.id"],
            name=op.f("fk_review_items_record_id_l_source_records"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id_r"],
            ["source_records.id"],
            name=op.f("fk_review_items_record_id_r_source_records"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_review_items_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index("ix_review_items_open", ["kind", "decision_id"], unique=False)
        batch_op.create_index(
            "ix_review_items_pair",
            ["kind", "record_id_l", "source_key_l", "record_id_r", "source_key_r"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_pair")
        batch_op.drop_index("ix_review_items_open")

    op.drop_table("review_items")
    with op.batch_alter_table("link_constraints", schema=None) as batch_op:
        batch_op.drop_index("ix_link_constraints_right")
        batch_op.drop_index("ix_link_constraints_left")

    op.drop_table("link_constraints")
    with op.batch_alter_table("link_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_link_decisions_other_entity_id")
        batch_op.drop_index("ix_link_decisions_entity_id")

    op.drop_table("link_decisions")
