"""rate limits: request counts per key and window, shared by every server process

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

`polestar serve --workers N` runs N processes; a window kept in each let a user make N times
the limit (issue 8). The store holds the windows instead, so every process counts the same
requests; rows older than the previous window are deleted as new windows begin.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column(
            "key", sa.String(length=160), nullable=False, comment="<limit>:<user or address>"
        ),
        sa.Column(
            "started", sa.BigInteger(), nullable=False, comment="the window's start, Unix seconds"
        ),
        sa.Column("hits", sa.Integer(), nullable=False, comment="requests let through in it"),
        sa.PrimaryKeyConstraint("key", "started", name=op.f("pk_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
