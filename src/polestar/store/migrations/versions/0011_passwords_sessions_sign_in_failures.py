"""accounts: password hashes, signed-in sessions, failed sign-ins

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

A session row is named by the SHA-256 of its cookie value, never the value itself, so a copy of
the database signs no one in (issue 7, deliverable 1). Failed sign-ins are kept per user to
count them towards a lockout; `users.locked_until` holds a lockout in force.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "password_hash",
                sa.String(length=255),
                nullable=True,
                comment="argon2id; NULL: no password (tokens or single sign-on only)",
            )
        )
        batch.add_column(sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column(
                "locked_until",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="sign-in refused until then after repeated failures",
            )
        )
    op.create_table(
        "sessions",
        sa.Column(
            "id_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the cookie value"
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False, comment="password or oidc"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "end_reason",
            sa.String(length=32),
            nullable=True,
            comment="sign-out, idle, absolute, user-disabled, password-reset",
        ),
        sa.Column(
            "purpose", sa.String(length=32), nullable=True, comment="chosen once per session"
        ),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id", "ended_at"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_failures_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_user_id", "sign_in_failures", ["user_id", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_user_id", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("password_set_at")
        batch.drop_column("password_hash")
