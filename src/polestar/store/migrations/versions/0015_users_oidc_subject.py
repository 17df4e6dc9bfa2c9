"""users.oidc_subject: a single sign-on identity is bound to one user by issuer and `sub`

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

Matching by the provider's user-name claim alone would let a renamed or reissued name at the
provider sign in as whoever held it here; OpenID Connect's stable identifier is the issuer
with the `sub` claim.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "oidc_subject",
                sa.String(512),
                nullable=True,
                comment="issuer and `sub` of the single sign-on identity bound to this user",
            )
        )
        batch.create_index("ix_users_oidc_subject", ["oidc_subject"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_oidc_subject")
        batch.drop_column("oidc_subject")
