"""access: organisations, users, API tokens, sharing agreements

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

The organisations are reference data, seeded here with the source systems each one owns
(ARCHITECTURE.md premise 2). A source no organisation lists (one ingested with `--source`)
belongs to the home force, whose operator ingested it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORGANISATIONS = [
    {
        "id": "home-force",
        "name": "County Police",
        "home": True,
        "sources": ["crime", "custody", "incidents"],
    },
    {"id": "neighbour-force", "name": "Neighbouring Police", "home": False, "sources": []},
    {
        "id": "fire",
        "name": "County Fire and Rescue Service",
        "home": False,
        "sources": ["fire_incidents", "fire_premises"],
    },
    {"id": "cps", "name": "Crown Prosecution Service", "home": False, "sources": []},
    {
        "id": "courts",
        "name": "HM Courts and Tribunals Service",
        "home": False,
        "sources": ["courts"],
    },
    {"id": "probation", "name": "Probation Service", "home": False, "sources": ["probation"]},
]


def upgrade() -> None:
    organisations = op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=32), nullable=False, comment="slug: home-force, fire, …"),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "home", sa.Boolean(), nullable=False, comment="the force that runs this Polestar"
        ),
        sa.Column(
            "sources", sa.JSON(), nullable=False, comment="source systems whose records it owns"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=128), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False, comment="role slugs: officer, analyst, …"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "disabled_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="set once; a disabled user's tokens fail",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column(
            "id", sa.String(length=16), nullable=False, comment="public id, part of the token"
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "secret_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the secret"
        ),
        sa.Column("scopes", sa.JSON(), nullable=False, comment="read, review, admin"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False, comment="the validated agreement"),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "origin", sa.String(length=512), nullable=False, comment="the file it was loaded from"
        ),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "replaced_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when a newer version took its place",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_agreements_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint(
            "organisation_id", "version", name=op.f("uq_agreements_organisation_id")
        ),
    )
    op.bulk_insert(organisations, ORGANISATIONS)


def downgrade() -> None:
    op.drop_table("agreements")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("organisations")
