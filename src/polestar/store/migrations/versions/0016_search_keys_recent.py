"""search_keys_recent: the search keys of records that arrived since the index was last built

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

Inserting an ingest's few million keys into the fifty-million-key `search_keys` B-tree, one
batch at a time, rewrote most of its pages for every batch; arrivals' keys go to this small
table instead, and are merged into the large one in key order once they are a share of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_keys_recent",
        sa.Column(
            "key",
            sa.String(length=80),
            nullable=False,
            comment="<kind letter>:<value>, e.g. n:SMITH",
        ),
        sa.Column(
            "entity_id",
            sa.String(length=16),
            nullable=False,
            comment="the entity holding it now",
        ),
        sa.Column(
            "record_id",
            sa.Integer(),
            nullable=False,
            comment="the source record it came from",
        ),
    )
    op.create_index("ix_search_keys_recent_key", "search_keys_recent", ["key", "entity_id"])
    op.create_index("ix_search_keys_recent_record_id", "search_keys_recent", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_search_keys_recent_record_id", table_name="search_keys_recent")
    op.drop_index("ix_search_keys_recent_key", table_name="search_keys_recent")
    op.drop_table("search_keys_recent")
