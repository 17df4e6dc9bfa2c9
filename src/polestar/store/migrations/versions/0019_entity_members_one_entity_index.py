"""entity_members keeps one index led by entity_id

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

`ix_entity_members_entity_id` (entity_id) is a prefix of `ix_entity_members_entity_source`
(entity_id, source), which answers every lookup by entity as well; keeping both made each
placed record update one more B-tree (a million of them in a county's first linkage run).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_entity_members_entity_id", table_name="entity_members")


def downgrade() -> None:
    op.create_index("ix_entity_members_entity_id", "entity_members", ["entity_id"], unique=False)
