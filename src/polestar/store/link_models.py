"""Trained linkage models, versioned: a run uses the latest unless told to retrain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.tables import link_models


@dataclass(frozen=True)
class StoredModel:
    version: int
    model: dict[str, Any]
    defaults: list[str]


def latest_model(conn: Connection, kind: str) -> StoredModel | None:
    row = conn.execute(
        sa.select(link_models.c.version, link_models.c.model, link_models.c.defaults)
        .where(link_models.c.kind == kind)
        .order_by(link_models.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return StoredModel(row.version, row.model, list(row.defaults or []))


def save_model(
    conn: Connection,
    kind: str,
    engine: str,
    model: dict[str, Any],
    defaults: list[str],
    records: int,
    run_id: int,
) -> int:
    """Store a newly trained model as the next version; returns the version."""
    current = conn.execute(
        sa.select(sa.func.max(link_models.c.version)).where(link_models.c.kind == kind)
    ).scalar()
    version = int(current or 0) + 1
    conn.execute(
        link_models.insert().values(
            kind=kind,
            version=version,
            engine=engine,
            model=model,
            defaults=defaults,
            records=records,
            run_id=run_id,
            created_at=datetime.now(UTC),
        )
    )
    return version
