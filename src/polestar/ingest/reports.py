"""What the store holds, summarised for operators: counts, quarantine reasons, field warnings.

None of these return personal data except `quarantined_records`, whose raw content the CLI
shows only with `--raw` (and, once access control exists, a purpose and an audit entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

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


def quarantined_records(engine: Engine, source: str | None = None) -> list[QuarantineEntry]:
    with engine.connect() as conn:
        return quarantine_store.open_entries(conn, source)


def field_warnings(engine: Engine, limit: int | None = None) -> list[FieldWarningEntry]:
    with engine.connect() as conn:
        return quarantine_store.current_warnings(conn, limit)
