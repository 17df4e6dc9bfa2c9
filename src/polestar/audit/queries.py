"""The data protection officer's questions of the log, each itself logged as a consultation.

Who may ask is the caller's rule, not this module's: the access layer (or the CLI, acting as
the local operator) checks that the reader is the data protection officer or an
administrator before calling, and passes the reader's identity so the reading is recorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.audit.entries import LogEntry, UnreadableEntry, dumps, parse_entry
from polestar.audit.events import Actor, Consultation, Operation
from polestar.audit.log import record
from polestar.pole.times import london_midnight
from polestar.settings import Settings
from polestar.store import audit_log

logger = logging.getLogger(__name__)
_LOOKUPS = frozenset({Operation.CONSULTATION, Operation.DISCLOSURE})


@dataclass(frozen=True)
class Found:
    """An entry with the free text of its payload (None once blanked)."""

    entry: LogEntry
    justification: str | None = None
    query: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry.as_dict(), "justification": self.justification, "query": self.query}


@dataclass(frozen=True)
class HeavyUser:
    """An actor whose lookups on one day exceeded the alert threshold."""

    actor: str
    lookups: int


def who_viewed(
    engine: Engine, identifier: str, *, reader: Actor, settings: Settings
) -> list[Found]:
    """Consultations and disclosures naming an entity (`PER-…`) or record (`SOURCE:KEY`),
    oldest first, opened or in a result list (`entry.in_results`), allowed or denied."""
    with engine.connect() as conn:
        found = [
            item
            for item in _found(conn, audit_log.mentioning(dumps(identifier)))
            if item.entry.operation in _LOOKUPS
            and identifier in (*item.entry.entity_ids, *item.entry.record_ids)
        ]
    kind = "record_ids" if ":" in identifier else "entity_ids"
    _record_reading(engine, reader, "audit.who-viewed", {kind: (identifier,)}, len(found), settings)
    return found


def by_user(engine: Engine, actor: str, *, reader: Actor, settings: Settings) -> list[Found]:
    """Everything the log holds of one actor (a user name, or `cli:<os user>`), oldest first."""
    with engine.connect() as conn:
        found = list(_found(conn, audit_log.by_actor(actor)))
    _record_reading(
        engine, reader, "audit.by-user", {"details": {"user": actor}}, len(found), settings
    )
    return found


def heavy_users(
    engine: Engine,
    day: date,
    threshold: int | None = None,
    *,
    reader: Actor,
    settings: Settings,
) -> list[HeavyUser]:
    """Actors whose consultations on `day` (midnight to midnight, Europe/London) exceed
    `threshold` (default `POLESTAR_AUDIT_LOOKUPS_PER_DAY_ALERT`), most first."""
    limit = settings.audit_lookups_per_day_alert if threshold is None else threshold
    start, end = london_midnight(day), london_midnight(day + timedelta(days=1))
    with engine.connect() as conn:
        counts = audit_log.consultations_per_actor(conn, start, end)
    heavy = [HeavyUser(actor, lookups) for actor, lookups in counts if lookups > limit]
    fields = {"details": {"day": day.isoformat(), "threshold": limit}}
    _record_reading(engine, reader, "audit.heavy-users", fields, len(heavy), settings)
    return heavy


def _found(conn: sa.Connection, where: sa.ColumnElement[bool]) -> Iterator[Found]:
    for row in audit_log.rows(conn, where, payloads=True):
        try:
            entry = parse_entry(row)
        except UnreadableEntry as exc:
            logger.warning(
                "audit entry %s is unreadable (%s): run `polestar audit verify`", exc.seq, exc
            )
            continue
        free_text = _payload(row["payload_text"])
        yield Found(entry, free_text.get("justification"), free_text.get("query"))


def _payload(text: object) -> dict[str, str]:
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}


def _record_reading(
    engine: Engine,
    reader: Actor,
    action: str,
    fields: Mapping[str, Any],
    entries: int,
    settings: Settings,
) -> None:
    """Record that `reader` consulted the log (issue 4: reading the log is itself logged)."""
    details = {**fields.get("details", {}), "entries": entries}
    record(
        engine,
        Consultation(
            action=action,
            **reader.entry_fields(),
            entity_ids=tuple(fields.get("entity_ids", ())),
            record_ids=tuple(fields.get("record_ids", ())),
            details=details,
        ),
        settings,
    )
