"""source records, POLE tables, quarantine

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False, comment="ingest, link, …"),
        sa.Column(
            "actor", sa.String(length=128), nullable=False, comment="cli:<os user> or a user name"
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="running, completed, failed"
        ),
        sa.Column("report", sa.JSON(), nullable=True, comment="the counts the command printed"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column(
            "source_key", sa.String(length=256), nullable=True, comment="when it could be read"
        ),
        sa.Column("file", sa.String(length=512), nullable=False),
        sa.Column("locator", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=512), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False, comment="first 64 KiB of the raw record"),
        sa.Column("raw_size", sa.Integer(), nullable=False, comment="bytes in the raw record"),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.Column("resolved_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_run_id"], ["runs.id"], name=op.f("fk_quarantine_first_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["runs.id"], name=op.f("fk_quarantine_last_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_run_id"], ["runs.id"], name=op.f("fk_quarantine_resolved_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("source", "raw_hash", name=op.f("uq_quarantine_source")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index("ix_quarantine_source_key", ["source", "source_key"], unique=False)

    op.create_table(
        "source_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column(
            "content_hash", sa.String(length=64), nullable=False, comment="of the current version"
        ),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.Column(
            "withdrawn_run_id",
            sa.Integer(),
            nullable=True,
            comment="the snapshot run from whose export the record was absent",
        ),
        sa.ForeignKeyConstraint(
            ["first_run_id"], ["runs.id"], name=op.f("fk_source_records_first_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["runs.id"], name=op.f("fk_source_records_last_run_id_runs")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_run_id"], ["runs.id"], name=op.f("fk_source_records_withdrawn_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_records")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_source_records_source")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column(
            "attributes", sa.JSON(), nullable=True, comment="what the source holds beyond the model"
        ),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("offence", sa.String(length=256), nullable=True),
        sa.Column("outcome", sa.String(length=256), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_records.id"], name=op.f("fk_events_record_id_source_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("record_id", "source_key", name=op.f("uq_events_record_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_source_key", ["source", "source_key"], unique=False)

    op.create_table(
        "field_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False, comment="the raw value, kept as written"),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_field_warnings_record_id_source_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_warnings")),
    )
    with op.batch_alter_table("field_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_field_warnings_record_id", ["record_id"], unique=False)

    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column(
            "from_kind", sa.String(length=16), nullable=False, comment="person, vehicle, phone, …"
        ),
        sa.Column("from_key", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("to_kind", sa.String(length=16), nullable=False),
        sa.Column("to_key", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_records.id"], name=op.f("fk_links_record_id_source_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_from", ["source", "from_kind", "from_key"], unique=False)
        batch_op.create_index("ix_links_record_id", ["record_id"], unique=False)
        batch_op.create_index("ix_links_to", ["source", "to_kind", "to_key"], unique=False)

    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column(
            "attributes", sa.JSON(), nullable=True, comment="what the source holds beyond the model"
        ),
        sa.Column("lines", sa.JSON(), nullable=True),
        sa.Column("town", sa.String(length=128), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("uprn", sa.String(length=12), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_records.id"], name=op.f("fk_locations_record_id_source_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("record_id", "source_key", name=op.f("uq_locations_record_id")),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_locations_postcode"), ["postcode"], unique=False)
        batch_op.create_index("ix_locations_source_key", ["source", "source_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_locations_uprn"), ["uprn"], unique=False)

    op.create_table(
        "objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column(
            "attributes", sa.JSON(), nullable=True, comment="what the source holds beyond the model"
        ),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("vrm", sa.String(length=8), nullable=True),
        sa.Column("make", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=True),
        sa.Column("colour", sa.String(length=32), nullable=True),
        sa.Column("phone_number", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_records.id"], name=op.f("fk_objects_record_id_source_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objects")),
        sa.UniqueConstraint(
            "record_id", "object_type", "source_key", name=op.f("uq_objects_record_id")
        ),
    )
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objects_phone_number"), ["phone_number"], unique=False)
        batch_op.create_index("ix_objects_source_key", ["source", "source_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_objects_vrm"), ["vrm"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=256), nullable=False),
        sa.Column(
            "attributes", sa.JSON(), nullable=True, comment="what the source holds beyond the model"
        ),
        sa.Column("forename", sa.String(length=128), nullable=True),
        sa.Column("middle_names", sa.String(length=256), nullable=True),
        sa.Column("surname", sa.String(length=128), nullable=True),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("pnc_id", sa.String(length=16), nullable=True),
        sa.Column("cro_number", sa.String(length=16), nullable=True),
        sa.Column("ni_number", sa.String(length=9), nullable=True),
        sa.Column("crn", sa.String(length=8), nullable=True),
        sa.Column("driving_licence", sa.String(length=32), nullable=True),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=True),
        sa.Column("markers", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_records.id"], name=op.f("fk_persons_record_id_source_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("record_id", "source_key", name=op.f("uq_persons_record_id")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_crn"), ["crn"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_ni_number"), ["ni_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_pnc_id"), ["pnc_id"], unique=False)
        batch_op.create_index("ix_persons_source_key", ["source", "source_key"], unique=False)

    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False, comment="the record as it arrived"),
        sa.Column("file", sa.String(length=512), nullable=False),
        sa.Column("locator", sa.String(length=128), nullable=False, comment="line N, or element N"),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["source_records.id"],
            name=op.f("fk_record_versions_record_id_source_records"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_record_versions_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint("record_id", "version", name=op.f("uq_record_versions_record_id")),
    )


def downgrade() -> None:
    op.drop_table("record_versions")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_source_key")
        batch_op.drop_index(batch_op.f("ix_persons_pnc_id"))
        batch_op.drop_index(batch_op.f("ix_persons_ni_number"))
        batch_op.drop_index(batch_op.f("ix_persons_crn"))

    op.drop_table("persons")
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objects_vrm"))
        batch_op.drop_index("ix_objects_source_key")
        batch_op.drop_index(batch_op.f("ix_objects_phone_number"))

    op.drop_table("objects")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locations_uprn"))
        batch_op.drop_index("ix_locations_source_key")
        batch_op.drop_index(batch_op.f("ix_locations_postcode"))

    op.drop_table("locations")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_links_to")
        batch_op.drop_index("ix_links_record_id")
        batch_op.drop_index("ix_links_from")

    op.drop_table("links")
    with op.batch_alter_table("field_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_field_warnings_record_id")

    op.drop_table("field_warnings")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_source_key")

    op.drop_table("events")
    op.drop_table("source_records")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_source_key")

    op.drop_table("quarantine")
    op.drop_table("runs")
