"""Table declarations. Source records are facts, kept as versions; the typed POLE tables are
the projection of each record's current version that search and linkage read.

Premise 1 of ARCHITECTURE.md: a version is never changed or deleted once written; the typed
rows of a record are replaced when a new version of it arrives. A typed row is unique within
its source record, not within its source: a records system's nominal (`crime:NOM-0001234`)
appears in every crime that names the person, each occurrence a row of its own that linkage
joins like any other.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UtcDateTime = sa.DateTime(timezone=True)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("command", sa.String(32), nullable=False, comment="ingest, link, …"),
    sa.Column("actor", sa.String(128), nullable=False, comment="cli:<os user> or a user name"),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("status", sa.String(16), nullable=False, comment="running, completed, failed"),
    sa.Column("report", sa.JSON, comment="the counts the command printed"),
)

source_records = sa.Table(
    "source_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("source_key", sa.String(256), nullable=False),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, comment="of the current version"),
    sa.Column(
        "mapping_digest",
        sa.String(16),
        comment="the mapping, code and library versions its rows were made by "
        "(sources.engine.mapping_digest; none: stored before Polestar recorded it)",
    ),
    sa.Column(
        "rows_digest",
        sa.String(16),
        comment="what its typed rows, links and field warnings hold (store.records; none: "
        "stored before Polestar recorded it)",
    ),
    sa.Column("first_run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("last_run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column(
        "withdrawn_run_id",
        sa.Integer,
        sa.ForeignKey("runs.id"),
        comment="the snapshot run from whose export the record was absent",
    ),
    sa.UniqueConstraint("source", "source_key"),
)

record_versions = sa.Table(
    "record_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("raw", sa.JSON, nullable=False, comment="the record as it arrived"),
    sa.Column("file", sa.String(512), nullable=False),
    sa.Column("locator", sa.String(128), nullable=False, comment="line N, or element N"),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("record_id", "version"),
)


def _pole_columns() -> list[sa.Column[object]]:
    """Columns every typed POLE table starts with: which record it came from, and its key."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        # No index of its own: each table's unique key starts with record_id.
        sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(256), nullable=False),
        sa.Column("attributes", sa.JSON, comment="what the source holds beyond the model"),
    ]


persons = sa.Table(
    "persons",
    metadata,
    *_pole_columns(),
    sa.Column("forename", sa.String(128)),
    sa.Column("middle_names", sa.String(256)),
    sa.Column("surname", sa.String(128)),
    sa.Column("dob", sa.Date),
    sa.Column("gender", sa.String(1)),
    sa.Column("pnc_id", sa.String(16), index=True),
    sa.Column("cro_number", sa.String(16)),
    sa.Column("ni_number", sa.String(9), index=True),
    sa.Column("crn", sa.String(8), index=True),
    sa.Column("driving_licence", sa.String(32)),
    sa.Column("wanted", sa.Boolean, nullable=False, default=False),
    sa.Column("missing", sa.Boolean, nullable=False, default=False),
    sa.Column("aliases", sa.JSON),
    sa.Column("markers", sa.JSON),
    sa.UniqueConstraint("record_id", "source_key"),
    sa.Index("ix_persons_source_key", "source", "source_key"),
)

objects = sa.Table(
    "objects",
    metadata,
    *_pole_columns(),
    sa.Column("object_type", sa.String(16), nullable=False),
    sa.Column("vrm", sa.String(8), index=True),
    sa.Column("make", sa.String(64)),
    sa.Column("model", sa.String(64)),
    sa.Column("colour", sa.String(32)),
    sa.Column("phone_number", sa.String(16), index=True),
    sa.Column("description", sa.Text),
    sa.UniqueConstraint("record_id", "object_type", "source_key"),
    sa.Index("ix_objects_source_key", "source", "source_key"),
)

locations = sa.Table(
    "locations",
    metadata,
    *_pole_columns(),
    sa.Column("lines", sa.JSON),
    sa.Column("town", sa.String(128)),
    sa.Column("postcode", sa.String(8), index=True),
    sa.Column("uprn", sa.String(12), index=True),
    sa.Column("easting", sa.Float),
    sa.Column("northing", sa.Float),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("description", sa.Text),
    sa.UniqueConstraint("record_id", "source_key"),
    sa.Index("ix_locations_source_key", "source", "source_key"),
    # The map's places inside a box (issue 8).
    sa.Index("ix_locations_latitude", "latitude", "longitude"),
)

events = sa.Table(
    "events",
    metadata,
    *_pole_columns(),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime),
    sa.Column("ended_at", UtcDateTime),
    sa.Column("day_only", sa.Boolean),
    sa.Column("category", sa.String(64)),
    sa.Column("offence", sa.String(256)),
    sa.Column("outcome", sa.String(256)),
    sa.Column("grade", sa.String(16)),
    sa.Column("summary", sa.Text),
    sa.UniqueConstraint("record_id", "source_key"),
    sa.Index("ix_events_source_key", "source", "source_key"),
    # The crimes of a month, for hotspots (issue 8). Not led by event_type: SQLite would pick
    # that for the scope's intelligence probe, which must go by record_id (migration 0013).
    sa.Index("ix_events_occurred_at", "occurred_at"),
)

links = sa.Table(
    "links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("from_kind", sa.String(16), nullable=False, comment="person, vehicle, phone, …"),
    sa.Column("from_key", sa.String(256), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("to_kind", sa.String(16), nullable=False),
    sa.Column("to_key", sa.String(256), nullable=False),
    sa.Index("ix_links_record_id", "record_id"),
    sa.Index("ix_links_from", "source", "from_kind", "from_key"),
    sa.Index("ix_links_to", "source", "to_kind", "to_key"),
)

field_warnings = sa.Table(
    "field_warnings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source_key", sa.String(256), nullable=False),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("value", sa.Text, nullable=False, comment="the raw value, kept as written"),
    sa.Column("reason", sa.String(256), nullable=False),
    sa.Index("ix_field_warnings_record_id", "record_id"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("source_key", sa.String(256), comment="when it could be read"),
    sa.Column("file", sa.String(512), nullable=False),
    sa.Column("locator", sa.String(128), nullable=False),
    sa.Column("reason", sa.String(512), nullable=False),
    sa.Column("raw", sa.Text, nullable=False, comment="first 64 KiB of the raw record"),
    sa.Column("raw_size", sa.Integer, nullable=False, comment="bytes in the raw record"),
    sa.Column("raw_hash", sa.String(64), nullable=False),
    sa.Column("first_run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("last_run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("resolved_run_id", sa.Integer, sa.ForeignKey("runs.id")),
    sa.UniqueConstraint("source", "raw_hash"),
    sa.Index("ix_quarantine_source_key", "source", "source_key"),
)

POLE_TABLES: dict[str, sa.Table] = {
    "person": persons,
    "object": objects,
    "location": locations,
    "event": events,
}

# Linkage: conclusions drawn from the facts above, always recomputable (premise 1).

link_models = sa.Table(
    "link_models",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False, comment="person (the probabilistic stage)"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("engine", sa.String(16), nullable=False, comment="duckdb or spark"),
    sa.Column("model", sa.JSON, nullable=False, comment="Splink's model JSON"),
    sa.Column("defaults", sa.JSON, comment="parameters training could not estimate"),
    sa.Column("records", sa.Integer, nullable=False, comment="records it was trained on"),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("kind", "version"),
)

entities = sa.Table(
    "entities",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True, comment="PER-…, VEH-…, LOC-…"),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("created_run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column(
        "retired_run_id",
        sa.Integer,
        sa.ForeignKey("runs.id"),
        comment="the run that merged it away or left it without records",
    ),
    sa.Column("records", sa.Integer, nullable=False, comment="member records, for listing"),
    sa.Index("ix_entities_kind", "kind", "retired_run_id"),
    sa.Index("ix_entities_kind_id", "kind", "id"),
)

entity_members = sa.Table(
    "entity_members",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    # A typed row is named by its source record and key, which outlive row ids (decision 1).
    sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), primary_key=True),
    sa.Column("source_key", sa.String(256), primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(16), sa.ForeignKey("entities.id"), nullable=False),
    sa.Column("model_version", sa.Integer, comment="person model that placed it, if any"),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    # Every lookup by entity (one index: a second on entity_id alone was its prefix). A
    # scope's `entity_in` ("the entity also has a probation record") is one probe, not a
    # walk through a prolific person's hundreds of members (search reads many such rows).
    sa.Index("ix_entity_members_entity_source", "entity_id", "source"),
)

entity_changes = sa.Table(
    "entity_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("old_id", sa.String(16), sa.ForeignKey("entities.id"), nullable=False),
    sa.Column("new_id", sa.String(16), sa.ForeignKey("entities.id"), nullable=False),
    sa.Column(
        "reason",
        sa.String(16),
        nullable=False,
        comment="merged: old is retired into new; split: records left old for new",
    ),
    sa.Column("records", sa.Integer, nullable=False, comment="records that moved"),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Index("ix_entity_changes_old_id", "old_id"),
)

# Review: people's decisions about linkage, which every later run respects (docs/linkage.md,
# "Review and decisions"). A pair of person rows is stored with its smaller (record_id,
# source_key) on the left, so a pair has one spelling.


def _pair_columns() -> list[sa.Column[object]]:
    """The two typed person rows of a pair, left before right."""
    return [
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_id_l", sa.Integer, sa.ForeignKey("source_records.id"), nullable=False),
        sa.Column("source_l", sa.String(64), nullable=False),
        sa.Column("source_key_l", sa.String(256), nullable=False),
        sa.Column("record_id_r", sa.Integer, sa.ForeignKey("source_records.id"), nullable=False),
        sa.Column("source_r", sa.String(64), nullable=False),
        sa.Column("source_key_r", sa.String(256), nullable=False),
    ]


link_decisions = sa.Table(
    "link_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False, comment="confirm, reject, merge, split"),
    sa.Column(
        "entity_id",
        sa.String(16),
        sa.ForeignKey("entities.id"),
        comment="merge: the id kept; split: the id split; a pair: its left record's entity",
    ),
    sa.Column(
        "other_entity_id",
        sa.String(16),
        sa.ForeignKey("entities.id"),
        comment="merge: the id retired; split: the new id; a pair: its right record's entity",
    ),
    sa.Column("actor", sa.String(128), nullable=False, comment="a user name or cli:<os user>"),
    sa.Column("organisation", sa.String(32)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decided_at", UtcDateTime, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), comment="merge or split's run"),
    sa.Index("ix_link_decisions_entity_id", "entity_id"),
    sa.Index("ix_link_decisions_other_entity_id", "other_entity_id"),
)

link_constraints = sa.Table(
    "link_constraints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("link_decisions.id"), nullable=False),
    sa.Column("link", sa.String(8), nullable=False, comment="must or cannot"),
    *_pair_columns(),
    sa.Column(
        "superseded_by",
        sa.Integer,
        sa.ForeignKey("link_decisions.id"),
        comment="a later decision about the same pair; NULL while in force",
    ),
    sa.Index("ix_link_constraints_left", "kind", "record_id_l", "source_key_l"),
    sa.Index("ix_link_constraints_right", "kind", "record_id_r", "source_key_r"),
)

review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_pair_columns(),
    sa.Column("match_probability", sa.Float, nullable=False, comment="when it was queued"),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column(
        "queued_because",
        sa.String(32),
        nullable=False,
        server_default="uncertain",
        comment="linkage.grounds.GROUNDS: why a person is asked to look at the pair",
    ),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("queued_at", UtcDateTime, nullable=False),
    sa.Column(
        "decision_id",
        sa.Integer,
        sa.ForeignKey("link_decisions.id"),
        comment="NULL while the item is open",
    ),
    sa.Index(
        "ix_review_items_pair", "kind", "record_id_l", "source_key_l", "record_id_r", "source_key_r"
    ),
    sa.Index("ix_review_items_open", "kind", "decision_id"),
    # An item is found by its right record too (a profile's `review_items.open_naming`).
    sa.Index("ix_review_items_right", "kind", "record_id_r", "source_key_r"),
)

# Audit: the s.62 log, an append-only HMAC chain (docs/audit.md). Lists and details are JSON
# text the audit package parses itself, so a corrupt value is reported, never a crash; no
# foreign keys, so the log outlives whatever it names.

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False, comment="1, 2, 3, …"),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("operation", sa.String(16), nullable=False, comment="collection, consultation, …"),
    sa.Column("action", sa.String(64), nullable=False, comment="ingest, person.show, …"),
    sa.Column("outcome", sa.String(8), nullable=False, comment="allowed or denied"),
    sa.Column("actor", sa.String(128), nullable=False, comment="a user name or cli:<os user>"),
    sa.Column("organisation", sa.String(32)),
    sa.Column("role", sa.String(32)),
    sa.Column("purpose", sa.String(32)),
    sa.Column("run_id", sa.Integer, comment="the run of a bulk operation"),
    sa.Column("entity_ids", sa.Text, nullable=False, comment="JSON list of entity ids"),
    sa.Column("record_ids", sa.Text, nullable=False, comment="JSON list of SOURCE:KEY"),
    sa.Column("recipients", sa.Text, nullable=False, comment="JSON list, for disclosures"),
    sa.Column("in_results", sa.Boolean, nullable=False, comment="in a result list, not opened"),
    sa.Column("details", sa.Text, nullable=False, comment="JSON object of metadata"),
    sa.Column("payload_hash", sa.String(64), comment="SHA-256 of the entry's payload text"),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, comment="HMAC-SHA256 of the other columns"),
    sa.Index("ix_audit_entries_actor", "actor", "occurred_at"),
    sa.Index("ix_audit_entries_occurred_at", "occurred_at"),
)

audit_payloads = sa.Table(
    "audit_payloads",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False, comment="its entry"),
    sa.Column("text", sa.Text, comment="JSON: justification, query; NULL once blanked"),
    sa.Column("blanked_at", UtcDateTime),
)

# Access: who may see what (premise 2). Organisations are reference data seeded by migration
# 0004; sharing agreements are YAML documents stored as loaded, one version per change.

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True, comment="slug: home-force, fire, …"),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("home", sa.Boolean, nullable=False, comment="the force that runs this Polestar"),
    sa.Column("sources", sa.JSON, nullable=False, comment="source systems whose records it owns"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("full_name", sa.String(128)),
    sa.Column("organisation_id", sa.String(32), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False, comment="role slugs: officer, analyst, …"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("disabled_at", UtcDateTime, comment="set once; a disabled user's tokens fail"),
    sa.Column(
        "password_hash",
        sa.String(255),
        comment="argon2id; NULL: no password (tokens or single sign-on only)",
    ),
    sa.Column("password_set_at", UtcDateTime),
    sa.Column(
        "locked_until", UtcDateTime, comment="sign-in refused until then after repeated failures"
    ),
    sa.Column(
        "oidc_subject",
        sa.String(512),
        comment="issuer and `sub` of the single sign-on identity bound to this user",
    ),
    sa.Index("ix_users_oidc_subject", "oidc_subject", unique=True),
)

# Signed-in sessions (issue 7): named by the SHA-256 of the cookie value, never the value.

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True, comment="SHA-256 of the cookie value"),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("method", sa.String(16), nullable=False, comment="password or oidc"),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime),
    sa.Column(
        "end_reason",
        sa.String(32),
        comment="sign-out, idle, absolute, user-disabled, password-reset",
    ),
    sa.Column("purpose", sa.String(32), comment="chosen once per session"),
    sa.Column("justification", sa.Text),
    sa.Index("ix_sessions_user_id", "user_id", "ended_at"),
)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("failed_at", UtcDateTime, nullable=False),
    sa.Index("ix_sign_in_failures_user_id", "user_id", "failed_at"),
)

# Rate limits (issue 8): requests counted per key in fixed windows, shared by every server
# process; a row outlives its window by one more (the next window weighs it), then goes.

rate_windows = sa.Table(
    "rate_windows",
    metadata,
    sa.Column("key", sa.String(160), primary_key=True, comment="<limit>:<user or address>"),
    sa.Column(
        "started", sa.BigInteger, primary_key=True, comment="the window's start, Unix seconds"
    ),
    sa.Column("hits", sa.Integer, nullable=False, comment="requests let through in it"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True, comment="public id, part of the token"),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("secret_hash", sa.String(64), nullable=False, comment="SHA-256 of the secret"),
    sa.Column("scopes", sa.JSON, nullable=False, comment="read, review, admin"),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime),
)

agreements = sa.Table(
    "agreements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("organisation_id", sa.String(32), sa.ForeignKey("organisations.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.JSON, nullable=False, comment="the validated agreement"),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("origin", sa.String(512), nullable=False, comment="the file it was loaded from"),
    sa.Column("loaded_at", UtcDateTime, nullable=False),
    sa.Column("replaced_at", UtcDateTime, comment="when a newer version took its place"),
    sa.UniqueConstraint("organisation_id", "version"),
)

# Records whose rows an ingest replaced since the last batch run (docs/linkage.md, "Incremental
# linkage"): awaiting placement anew until a linkage run has placed them, then for the
# incremental index to take in their rows as they are now, until the next batch run reads them.
replaced_rows = sa.Table(
    "replaced_rows",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, comment="the ingest"),
    sa.Column(
        "placed_run_id",
        sa.Integer,
        sa.ForeignKey("runs.id"),
        comment="the linkage run that placed them anew; none: awaiting placement",
    ),
)

# Linkage evidence, written with each person placement (issue 5): what a profile and an
# explanation read instead of re-running the batch.

person_joins = sa.Table(
    "person_joins",
    metadata,
    # The placed record, named as entity_members names it.
    sa.Column("record_id", sa.Integer, sa.ForeignKey("source_records.id"), primary_key=True),
    sa.Column("source_key", sa.String(256), primary_key=True),
    sa.Column(
        "other_record_id",
        sa.Integer,
        sa.ForeignKey("source_records.id"),
        nullable=False,
        comment="the record of the same entity it scored highest against",
    ),
    sa.Column("other_source_key", sa.String(256), nullable=False),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
)

link_term_frequencies = sa.Table(
    "link_term_frequencies",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column(
        "column_name", sa.String(32), primary_key=True, comment="a TF-adjusted feature: fn, …"
    ),
    sa.Column("value", sa.String(256), primary_key=True),
    sa.Column(
        "frequency",
        sa.Float,
        nullable=False,
        comment="share of the run's records with a value that hold this one",
    ),
    sa.Column("model_version", sa.Integer, nullable=False),
)

# Retention (issue 7): MoPI review decisions, and what disposal leaves of a record — its name
# and hash, never its content — so a re-ingest can recognise it and keep it out.

retention_decisions = sa.Table(
    "retention_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # No foreign key: the decision outlives the entity (a disposal can retire it).
    sa.Column("entity_id", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False, comment="retain or dispose"),
    sa.Column("mopi_group", sa.Integer, comment="the group when it was decided"),
    sa.Column("reason", sa.Text, nullable=False, comment="MoPI requires one for every decision"),
    sa.Column("actor", sa.String(128), nullable=False, comment="a user name or cli:<os user>"),
    sa.Column("decided_at", UtcDateTime, nullable=False),
    sa.Column("next_review", sa.Date, comment="retain: the review it pushes the entity to"),
    sa.Index("ix_retention_decisions_entity_id", "entity_id", "decided_at"),
)

tombstones = sa.Table(
    "tombstones",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("source_key", sa.String(256), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, comment="of its last version"),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("disposed_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("retention_decisions.id"), nullable=False),
    sa.UniqueConstraint("source", "source_key"),
)

# Search (issue 6): keys under which a placed record can be found, each naming the record and
# the entity that holds it now. Derived from the typed rows and entity_members, always
# rebuildable; the scope is applied when results are read, never here.


def _key_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column(
            "key", sa.String(80), nullable=False, comment="<kind letter>:<value>, e.g. n:SMITH"
        ),
        sa.Column("entity_id", sa.String(16), nullable=False, comment="the entity holding it now"),
        sa.Column(
            "record_id", sa.Integer, nullable=False, comment="the source record it came from"
        ),
    ]


# The keys of a full build (`search.index.rebuild`).
search_keys = sa.Table(
    "search_keys",
    metadata,
    *_key_columns(),
    # (key, entity_id): candidates are read from the index alone.
    sa.Index("ix_search_keys_key", "key", "entity_id"),
    # (record_id, entity_id): whether a record's keys are under its current entity is read
    # from the index alone (`search_index.stale_record_ids`).
    sa.Index("ix_search_keys_record_id_entity_id", "record_id", "entity_id"),
)
# The keys written since, as records arrived: a few million keys inserted one batch at a time
# into a B-tree of fifty million rewrite most of its pages each time, so arrivals go to a
# small table of their own, which search reads beside the large one and which is merged into
# it, in key order, once it has grown to a share of it (`search_index.merge_recent`).
# One B-tree, the key's (on SQLite the table itself): with SQLite's row ids and a second one by
# record, for deleting a record's keys, inserting 2.5 million keys took 10.6 CPU-s against
# 7.7 (docs/search.md), while the placing of the next batch waited for SQLite's one writer.
# `search_keys_recent_records` names a record's keys for deletion instead.
search_keys_recent = sa.Table(
    "search_keys_recent",
    metadata,
    *_key_columns(),
    sa.PrimaryKeyConstraint("key", "entity_id", "record_id"),
    sqlite_with_rowid=False,
)
search_keys_recent_records = sa.Table(
    "search_keys_recent_records",
    metadata,
    sa.Column("record_id", sa.Integer, nullable=False, comment="a source record with recent keys"),
    sa.Column("entity_id", sa.String(16), nullable=False, comment="the entity they name"),
    sa.Column(
        "keys", sa.Text, nullable=False, comment="its keys in search_keys_recent, a JSON array"
    ),
    sa.PrimaryKeyConstraint("record_id", "entity_id"),
    sqlite_with_rowid=False,
)

# Which version of `search.keys` wrote the index, one row: a store indexed by an older Polestar
# is rebuilt whole by its next linkage run (`search.index.refresh_stale`), so an upgrade that
# adds keys (a surname with the year of birth, `y:SMITH 1977`) serves them at once, not record
# by record as they move.
search_index_version = sa.Table(
    "search_index_version",
    metadata,
    sa.Column(
        "keys_version",
        sa.Integer,
        primary_key=True,
        autoincrement=False,
        comment="search.keys.KEYS_VERSION of the last full build (the keys of any later "
        "arrival are at least as new)",
    ),
)
# Every read of the index takes both key tables.
search_key_tables = (search_keys, search_keys_recent)
# The records indexed under each entity, in either: both have record_id and entity_id.
indexed_records = (search_keys, search_keys_recent_records)
