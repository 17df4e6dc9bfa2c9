"""search_keys_recent_records lists a record's keys as a JSON array

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

The database now expands each row's keys into `search_keys_recent` itself (SQLite's
`json_each`, PostgreSQL's `json_array_elements_text`) instead of being handed every key row by
row, which held SQLite's one writer about twice as long. Rows listing their keys one per line
cannot be read as JSON, so the keys already recent move into `search_keys` first, as a merge
does, leaving both recent tables empty; nothing becomes unsearchable.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _merge_recent(comment: str) -> None:
    op.execute(
        "INSERT INTO search_keys (key, entity_id, record_id) "
        "SELECT key, entity_id, record_id FROM search_keys_recent ORDER BY key, entity_id"
    )
    op.execute("DELETE FROM search_keys_recent")
    op.execute("DELETE FROM search_keys_recent_records")
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps no comments
        op.alter_column(
            "search_keys_recent_records",
            "keys",
            existing_type=sa.Text(),
            existing_nullable=False,
            comment=comment,
        )


def upgrade() -> None:
    _merge_recent("its keys in search_keys_recent, a JSON array")


def downgrade() -> None:
    _merge_recent("its keys in search_keys_recent, one per line")
