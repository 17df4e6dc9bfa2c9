"""entities: an index on (kind, id), so the next entity number is one index lookup

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01

Incremental linkage founds entities one arrival at a time; finding the highest id of a kind
must not read every entity of that kind (issue 5's single-record path).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_entities_kind_id", "entities", ["kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_entities_kind_id", table_name="entities")
