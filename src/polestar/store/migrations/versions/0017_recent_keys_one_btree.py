"""search_keys_recent keyed by its key alone, and search_keys_recent_records

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

Writing an ingest's arrivals into the recent keys maintained three B-trees (SQLite's row ids,
the key's and the record's); the record's was a third of the cost, held while the next batch
waited to be placed. The recent keys are now one B-tree, the key's (WITHOUT ROWID on SQLite),
and a record's recent keys are found for deletion through `search_keys_recent_records`, a row
per record and entity. The keys already recent move into `search_keys` first, so nothing
becomes unsearchable.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key_columns() -> list[sa.Column[int | str]]:
    return [
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
    ]


def _merge_recent() -> None:
    op.execute(
        "INSERT INTO search_keys (key, entity_id, record_id) "
        "SELECT key, entity_id, record_id FROM search_keys_recent ORDER BY key, entity_id"
    )


def upgrade() -> None:
    _merge_recent()
    op.drop_index("ix_search_keys_recent_record_id", table_name="search_keys_recent")
    op.drop_index("ix_search_keys_recent_key", table_name="search_keys_recent")
    op.drop_table("search_keys_recent")
    op.create_table(
        "search_keys_recent",
        *_key_columns(),
        sa.PrimaryKeyConstraint("key", "entity_id", "record_id", name="pk_search_keys_recent"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_keys_recent_records",
        sa.Column(
            "record_id",
            sa.Integer(),
            nullable=False,
            comment="a source record with recent keys",
        ),
        sa.Column(
            "entity_id",
            sa.String(length=16),
            nullable=False,
            comment="the entity they name",
        ),
        sa.Column(
            "keys",
            sa.Text(),
            nullable=False,
            comment="its keys in search_keys_recent, one per line",
        ),
        sa.PrimaryKeyConstraint("record_id", "entity_id", name="pk_search_keys_recent_records"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    _merge_recent()
    op.drop_table("search_keys_recent_records")
    op.drop_table("search_keys_recent")
    op.create_table("search_keys_recent", *_key_columns())
    op.create_index("ix_search_keys_recent_key", "search_keys_recent", ["key", "entity_id"])
    op.create_index("ix_search_keys_recent_record_id", "search_keys_recent", ["record_id"])
