"""the mapping digest's comment says what it covers

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

0025 described `source_records.mapping_digest` as the mapping and the engine's version. The
version is gone: the digest covers the mapping, the code that makes rows and the libraries
that code imports (`sources.engine.engine_fingerprint`). Only the comment changes; SQLite keeps
no comments.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _commented(comment: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "source_records", "mapping_digest", existing_type=sa.String(16), comment=comment
        )


def upgrade() -> None:
    _commented(
        "the mapping, code and library versions its rows were made by "
        "(sources.engine.mapping_digest; none: stored before Polestar recorded it)"
    )


def downgrade() -> None:
    _commented(
        "the mapping and engine version its rows were made by "
        "(sources.engine.mapping_digest; none: stored before Polestar recorded it)"
    )
