"""a review item says why it was queued

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

Items queued before this revision were all scored inside the review band: `uncertain`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(
            sa.Column(
                "queued_because",
                sa.String(32),
                nullable=False,
                server_default="uncertain",
                comment="linkage.grounds.GROUNDS: why a person is asked to look at the pair",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("queued_because")
