"""SQL of MoPI review: each person entity's events in the home force's records, and the
retention decisions people have made about entities.

The home force's records are those of sources no partner organisation owns
(`access.organisations`); callers pass the partners' sources so this module need not know.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.tables import (
    entities,
    entity_members,
    events,
    retention_decisions,
    source_records,
)


@dataclass(frozen=True)
class EntityEvent:
    """One event in a home-force record that names a person entity."""

    entity_id: str
    occurred_at: datetime | None
    category: str | None
    offence: str | None
    outcome: str | None


@dataclass(frozen=True)
class HomeRecord:
    """A home-force source record holding a person entity's rows."""

    record_id: int
    source: str
    source_key: str
    content_hash: str


def _home_members(partner_sources: Collection[str]) -> sa.Select[tuple[str, int]]:
    """(entity, record) of every current person entity's rows in home-force records."""
    return (
        sa.select(entity_members.c.entity_id, entity_members.c.record_id)
        .join(entities, entities.c.id == entity_members.c.entity_id)
        .where(
            entity_members.c.kind == "person",
            entities.c.retired_run_id.is_(None),
            entity_members.c.source.not_in(list(partner_sources)),
        )
        .distinct()
    )


def home_events(
    conn: Connection, partner_sources: Collection[str], entity_id: str | None = None
) -> Iterator[EntityEvent]:
    """The events of the home-force records naming each person entity (or just one)."""
    members = _home_members(partner_sources)
    if entity_id is not None:
        members = members.where(entity_members.c.entity_id == entity_id)
    home = members.subquery()
    query = sa.select(
        home.c.entity_id,
        events.c.occurred_at,
        events.c.category,
        events.c.offence,
        events.c.outcome,
    ).join(events, events.c.record_id == home.c.record_id)
    for row in conn.execute(query):
        yield EntityEvent(row.entity_id, row.occurred_at, row.category, row.offence, row.outcome)


def home_records(
    conn: Connection, entity_id: str, partner_sources: Collection[str]
) -> list[HomeRecord]:
    """The home-force source records holding the entity's person rows."""
    home = _home_members(partner_sources).where(entity_members.c.entity_id == entity_id)
    rows = conn.execute(
        sa.select(
            source_records.c.id,
            source_records.c.source,
            source_records.c.source_key,
            source_records.c.content_hash,
        )
        .where(source_records.c.id.in_(home.with_only_columns(entity_members.c.record_id)))
        .order_by(source_records.c.source, source_records.c.source_key)
    )
    return [HomeRecord(row.id, row.source, row.source_key, row.content_hash) for row in rows]


def is_current_person(conn: Connection, entity_id: str) -> bool:
    """Whether `entity_id` names a person entity that has not been retired."""
    found = conn.execute(
        sa.select(entities.c.id).where(
            entities.c.id == entity_id,
            entities.c.kind == "person",
            entities.c.retired_run_id.is_(None),
        )
    ).first()
    return found is not None


def add_decision(
    conn: Connection,
    *,
    entity_id: str,
    decision: str,
    group: int | None,
    reason: str,
    actor: str,
    at: datetime,
    next_review: date | None = None,
) -> int:
    """Record a retain or dispose decision; returns its id."""
    result = conn.execute(
        retention_decisions.insert().values(
            entity_id=entity_id,
            decision=decision,
            mopi_group=group,
            reason=reason,
            actor=actor,
            decided_at=at,
            next_review=next_review,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def retained_until(conn: Connection) -> dict[str, date]:
    """Each entity's latest retain decision's next review."""
    latest = (
        sa.select(
            retention_decisions.c.entity_id,
            sa.func.max(retention_decisions.c.id).label("id"),
        )
        .where(retention_decisions.c.decision == "retain")
        .group_by(retention_decisions.c.entity_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(retention_decisions.c.entity_id, retention_decisions.c.next_review).join(
            latest, latest.c.id == retention_decisions.c.id
        )
    )
    return {row.entity_id: row.next_review for row in rows if row.next_review is not None}
