"""locations by coordinates, events by time: the map's area and hotspot queries

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01

The map reads the places inside a box and the crimes of a month (issue 8); without these
indexes each would read every location or every event in the store. Events are indexed by time
alone: an index led by `event_type` would be SQLite's choice (it has no statistics) for the
scope's "is this record an intelligence log" probe, which must go by `record_id`.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_locations_latitude", "locations", ["latitude", "longitude"])
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.drop_index("ix_locations_latitude", table_name="locations")
