"""open review items are found by either of their records

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

A person's profile says which of their records an open review item names
(`review_items.open_naming`). The pair index leads with the left record; this one finds the
right, so a profile does not read every open item.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_review_items_right",
        "review_items",
        ["kind", "record_id_r", "source_key_r"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_review_items_right", table_name="review_items")
