"""Retention of payloads: their free text is blanked, the entries and the chain stay whole.

An entry carries only its payload's hash, so a blanked payload still verifies (`verify`
checks a payload's text only while it has one).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy.engine import Connection, Engine

from polestar.audit.entries import UnreadableEntry, dumps, parse_entry
from polestar.audit.events import Erasure
from polestar.audit.log import record_in, transaction
from polestar.settings import Settings
from polestar.store import audit_log


def blank_payloads(engine: Engine, before: datetime, *, actor: str, settings: Settings) -> int:
    """Blank the payloads of entries older than `before`, recorded as one erasure.

    Returns:
        How many payloads were blanked.
    """
    if before.tzinfo is None:
        raise ValueError("before must carry a time zone")
    now = datetime.now(UTC)
    with transaction(engine, settings) as conn:
        blanked = audit_log.blank_payloads(conn, before.astimezone(UTC), now)
        record_in(
            conn,
            Erasure(
                action="audit.blank-payloads",
                actor=actor,
                details={"before": before.astimezone(UTC).isoformat(), "payloads": blanked},
                occurred_at=now,
            ),
            settings,
        )
    return blanked


def blank_payloads_naming(conn: Connection, identifiers: Collection[str], at: datetime) -> int:
    """Blank the payloads of entries naming any of `identifiers` (entity ids or SOURCE:KEY),
    inside the caller's transaction: a disposed record's searches and justifications go with
    it, while the entries (metadata) and the chain stay whole.

    Returns:
        How many payloads were blanked.
    """
    wanted = set(identifiers)
    if not wanted:
        return 0
    prefilter = audit_log.mentioning_any([dumps(name) for name in sorted(wanted)])
    seqs: list[int] = []
    for row in audit_log.rows(conn, prefilter):
        try:
            entry = parse_entry(row)
        except UnreadableEntry:
            continue  # verify reports it; its payload is left for the person who looks
        if wanted.intersection(entry.entity_ids) or wanted.intersection(entry.record_ids):
            seqs.append(entry.seq)
    return audit_log.blank_payloads_at(conn, seqs, at)
