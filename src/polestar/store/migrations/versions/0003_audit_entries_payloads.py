"""audit: entries and payloads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False, comment="1, 2, 3, …"),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "operation",
            sa.String(length=16),
            nullable=False,
            comment="collection, consultation, …",
        ),
        sa.Column("action", sa.String(length=64), nullable=False, comment="ingest, person.show, …"),
        sa.Column("outcome", sa.String(length=8), nullable=False, comment="allowed or denied"),
        sa.Column(
            "actor",
            sa.String(length=128),
            nullable=False,
            comment="a user name or cli:<os user>",
        ),
        sa.Column("organisation", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True, comment="the run of a bulk operation"),
        sa.Column("entity_ids", sa.Text(), nullable=False, comment="JSON list of entity ids"),
        sa.Column("record_ids", sa.Text(), nullable=False, comment="JSON list of SOURCE:KEY"),
        sa.Column("recipients", sa.Text(), nullable=False, comment="JSON list, for disclosures"),
        sa.Column(
            "in_results", sa.Boolean(), nullable=False, comment="in a result list, not opened"
        ),
        sa.Column("details", sa.Text(), nullable=False, comment="JSON object of metadata"),
        sa.Column(
            "payload_hash",
            sa.String(length=64),
            nullable=True,
            comment="SHA-256 of the entry's payload text",
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "hash",
            sa.String(length=64),
            nullable=False,
            comment="HMAC-SHA256 of the other columns",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_actor", ["actor", "occurred_at"], unique=False)
        batch_op.create_index("ix_audit_entries_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "audit_payloads",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False, comment="its entry"),
        sa.Column(
            "text",
            sa.Text(),
            nullable=True,
            comment="JSON: justification, query; NULL once blanked",
        ),
        sa.Column("blanked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_payloads")),
    )


def downgrade() -> None:
    op.drop_table("audit_payloads")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_occurred_at")
        batch_op.drop_index("ix_audit_entries_actor")

    op.drop_table("audit_entries")
