"""Retention of payloads: their free text is blanked, the entries and the chain stay whole.

An entry carries only its payload's hash, so a blanked payload still verifies (`verify`
checks a payload's text only while it has one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from polestar.audit.events import Erasure
from polestar.audit.log import record_in, transaction
from polestar.settings import Settings
from polestar.store import audit_log


def blank_payloads(
    engine: Engine, before: datetime, *, actor: str, settings: Settings | None = None
) -> int:
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
