"""Runs: the bookkeeping of each batch command (who ran it, when, what it reported)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from polestar.store.tables import runs


def start_run(engine: Engine, command: str, actor: str) -> int:
    """Record that a run has started; returns its id."""
    with engine.begin() as conn:
        result = conn.execute(
            runs.insert().values(
                command=command, actor=actor, started_at=datetime.now(UTC), status="running"
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(engine: Engine, run_id: int, status: str, report: dict[str, Any]) -> None:
    """Record how a run ended and what it reported."""
    with engine.begin() as conn:
        conn.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(finished_at=datetime.now(UTC), status=status, report=report)
        )


def last_completed_run(conn: Connection, command: str) -> int | None:
    """The id of the latest completed run of `command`, if any."""
    return conn.execute(
        sa.select(sa.func.max(runs.c.id)).where(
            runs.c.command == command, runs.c.status == "completed"
        )
    ).scalar_one_or_none()
