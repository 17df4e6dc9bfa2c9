"""search: the keys under which placed records are found

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

One row per (key, record, entity): name tokens and their one-letter deletions, phonetic and
nickname keys, initials with surnames, dates of birth, VRM fragments, postcode prefixes and
address words (docs/search.md). Rebuilt after each linkage run and refreshed per record as
records arrive (issue 6). Also an index on entity members by entity and source, which the
scope's `entity_in` condition probes for every row search reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_keys",
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
    op.create_index("ix_search_keys_key", "search_keys", ["key", "entity_id"])
    op.create_index("ix_search_keys_record_id", "search_keys", ["record_id"])
    op.create_index("ix_entity_members_entity_source", "entity_members", ["entity_id", "source"])


def downgrade() -> None:
    op.drop_index("ix_entity_members_entity_source", table_name="entity_members")
    op.drop_index("ix_search_keys_record_id", table_name="search_keys")
    op.drop_index("ix_search_keys_key", table_name="search_keys")
    op.drop_table("search_keys")
