"""What the store holds, summarised for operators: counts, quarantine reasons, field warnings.

None of these return personal data except `quarantine_raw`, the raw content of quarantined
records and of values kept with a warning: it takes a Viewer with a purpose, shows only the
sources the viewer sees whole (`Scope.sees_whole`), and is recorded as a consultation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import Viewer, scope_for
from polestar.errors import PolestarError
from polestar.settings import Settings
from polestar.store import quarantine as quarantine_store
from polestar.store.quarantine import FieldWarningEntry, QuarantineEntry, ReasonCount
from polestar.store.records import counts_by_source


@dataclass(frozen=True)
class StoreSummary:
    """Counts per source and POLE kind, and open quarantine entries by reason."""

    sources: dict[str, dict[str, int]]
    quarantine: list[ReasonCount]
    warnings: list[ReasonCount]


def store_summary(engine: Engine) -> StoreSummary:
    with engine.connect() as conn:
        return StoreSummary(
            counts_by_source(conn),
            quarantine_store.open_reasons(conn),
            quarantine_store.warning_counts(conn),
        )


@dataclass(frozen=True)
class RawQuarantine:
    """Raw content a viewer may see: quarantined records, values kept with a warning, and the
    sources left out because the viewer does not see them whole."""

    records: list[QuarantineEntry]
    warnings: list[FieldWarningEntry]
    withheld_sources: list[str]


def quarantine_raw(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    source: str | None = None,
    now: datetime | None = None,
) -> RawQuarantine:
    """Open quarantine entries and field warnings with their raw content, for `viewer`.

    Raises:
        InvalidInput: (exit 2) no purpose, or one the viewer may not state; recorded as denied.
    """
    now = now or datetime.now(UTC)
    entry = replace(viewer.consultation("quarantine.raw"), in_results=True, occurred_at=now)
    try:
        scope = scope_for(engine, viewer, now, require_justification=settings.require_justification)
    except PolestarError as exc:
        refusal = {"status": exc.status, "reason": type(exc).__name__}
        audit.record(engine, replace(entry, details=refusal).denied(), settings)
        raise
    with engine.connect() as conn:
        records = quarantine_store.open_entries(conn, source)
        warnings = [
            w
            for w in quarantine_store.current_warnings(conn, values=True)
            if source is None or w.source == source
        ]
    sources = {r.source for r in records} | {w.source for w in warnings}
    hidden = sorted(s for s in sources if not scope.sees_whole(s))
    shown = RawQuarantine(
        [r for r in records if r.source not in hidden],
        [w for w in warnings if w.source not in hidden],
        hidden,
    )
    names = [f"{r.source}:{r.source_key}" for r in shown.records if r.source_key]
    names += [f"{w.source}:{w.source_key}" for w in shown.warnings]
    details = {
        "records": len(shown.records),
        "warnings": len(shown.warnings),
        "withheld_sources": hidden,
    }
    audit.record(
        engine, replace(entry, record_ids=tuple(dict.fromkeys(names)), details=details), settings
    )
    return shown


def field_warnings(engine: Engine, limit: int | None = None) -> list[FieldWarningEntry]:
    """Field warnings without the values they were raised on (those are `quarantine_raw`'s)."""
    with engine.connect() as conn:
        return quarantine_store.current_warnings(conn, limit)
