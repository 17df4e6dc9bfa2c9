"""the search index records which version of the keys built it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05

A store indexed before this revision holds version 1 of the keys if it holds any (no `y` keys,
a surname with the year of birth): its next linkage run rebuilds the index. An empty index is
trivially version 2, the keys of this revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "search_index_version",
        sa.Column(
            "keys_version",
            sa.Integer(),
            autoincrement=False,
            nullable=False,
            comment="search.keys.KEYS_VERSION of the last full build (the keys of any later "
            "arrival are at least as new)",
        ),
        sa.PrimaryKeyConstraint("keys_version"),
    )
    indexed = op.get_bind().execute(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM search_keys) OR EXISTS (SELECT 1 FROM search_keys_recent)"
        )
    )
    op.bulk_insert(table, [{"keys_version": 1 if indexed.scalar_one() else 2}])


def downgrade() -> None:
    op.drop_table("search_index_version")
