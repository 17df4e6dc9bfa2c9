"""A search's reads are planned for someone waiting on them: on PostgreSQL without parallel
workers, whose start-up took longer than most of a search's statements (bench/search.py at 1M:
p95 92 ms with them, 57 ms without), only within the search's own transaction; and, prepared
once, not planned again (at 1M a partner's reads of rows spent 5 ms of each search planning)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from polestar.access import Viewer, viewer_for
from polestar.search import search
from tests.canary import Seeded, canary, canary_model
from tests.search.indexed import indexed

__all__ = ["canary", "canary_model", "indexed"]

_SHOW = "SHOW max_parallel_workers_per_gather"
_ROWS = "SELECT persons.record_id, persons.source, persons.source_key"
_SOUGHT = "Tobias Quillfeather"


def _search_watched(canary: Seeded, viewer: Viewer, watch: Callable[..., None]) -> list[str]:
    """The ids a search for the canary's target returns, `watch` hearing every statement."""
    event.listen(canary.engine, "after_cursor_execute", watch)
    try:
        page = search(canary.engine, canary.settings, viewer, _SOUGHT)
    finally:
        event.remove(canary.engine, "after_cursor_execute", watch)
    return [result.entity_id for result in page.results]


@pytest.mark.parametrize(
    "canary", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_search_reads_without_parallel_workers_and_leaves_the_setting_behind(
    canary: Seeded,
) -> None:
    workers: dict[str, set[str]] = {"search": set(), "audit": set()}

    def seen(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            # On the same connection, outside SQLAlchemy's events: what this SELECT ran with.
            row = conn.connection.driver_connection.execute(_SHOW).fetchone()
            audit = "audit_entries" in statement or "pg_advisory_xact_lock" in statement
            workers["audit" if audit else "search"].add(row[0])

    with canary.engine.connect() as conn:
        default = conn.exec_driver_sql(_SHOW).scalar_one()
    assert default != "0"
    viewer = viewer_for(canary.engine, "home-officer", "investigation")

    assert _search_watched(canary, viewer, seen) == [canary.target]
    assert workers["search"] == {"0"}
    # The audit entry is written in a transaction of its own, planned as usual.
    assert workers["audit"] == {default}
    with canary.engine.connect() as conn:
        assert conn.exec_driver_sql(_SHOW).scalar_one() == default


@pytest.mark.parametrize(
    "canary", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_the_statements_searches_repeat_are_prepared_not_planned_again(canary: Seeded) -> None:
    """psycopg prepares a statement on its sixth run on a connection, and forgets every one at a
    rollback: a search's transaction ends by commit, so its reads of rows stay prepared."""
    prepared: list[int] = []

    def count(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(_ROWS):
            row = conn.connection.driver_connection.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE starts_with(statement, %s)",
                (_ROWS,),
            ).fetchone()
            prepared.append(row[0])

    viewer = viewer_for(canary.engine, "home-officer", "investigation")
    for _ in range(8):
        search(canary.engine, canary.settings, viewer, _SOUGHT)

    assert _search_watched(canary, viewer, count) == [canary.target]
    assert prepared
    assert all(found >= 1 for found in prepared)
