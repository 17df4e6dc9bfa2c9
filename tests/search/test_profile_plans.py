"""Every query a profile runs is answered from an index (issue 6: profile p95 ≤ 100 ms at
1,000,000 person records): on SQLite, without statistics, no plan scans a table or drives a
lookup from a grant's `source` — either would read rows in proportion to the store, not to
the entity. Checked with EXPLAIN QUERY PLAN over the canary county, as the home force and as
each partner."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from polestar.access import viewer_for
from polestar.errors import NotFound
from polestar.search.location_profile import location_view
from polestar.search.profile import person_view
from polestar.search.vehicle_profile import vehicle_view
from tests.canary import JUSTIFICATION, PURPOSES, Seeded, canary, canary_model

__all__ = ["canary", "canary_model"]
# Tables whose size grows with the store; a scan of the tiny reference tables is harmless.
_GROWING = "persons|objects|locations|events|links|entity_members|person_joins|source_records"
_BAD = re.compile(rf"^SCAN ({_GROWING})\b|USING INDEX ix_\w+_source_key \(source=\?\)$")


# SQLite's planner only: PostgreSQL plans from the statistics it keeps.
@pytest.mark.parametrize("canary", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "user", ["home-analyst", "cps-caseworker", "fire-caseworker", "probation-caseworker"]
)
def test_no_profile_query_reads_in_proportion_to_the_store(canary: Seeded, user: str) -> None:
    selects: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append((statement, params))

    viewer = viewer_for(canary.engine, user, PURPOSES[user], JUSTIFICATION)
    views: list[tuple[Callable[..., Any], str]] = [
        (person_view, canary.target),
        (vehicle_view, canary.vehicle),
        (location_view, canary.location),
    ]
    event.listen(canary.engine, "before_cursor_execute", capture)
    try:
        for view, entity_id in views:
            with contextlib.suppress(NotFound):  # a 404 runs its queries too
                view(canary.engine, canary.settings, viewer, entity_id)
    finally:
        event.remove(canary.engine, "before_cursor_execute", capture)
    raw = sqlite3.connect(canary.engine.url.database or "")
    try:
        bad = [
            (detail, " ".join(statement.split())[:200])
            for statement, params in selects
            for *_, detail in raw.execute(f"EXPLAIN QUERY PLAN {statement}", params)
            if _BAD.search(detail)
        ]
    finally:
        raw.close()
    assert len(selects) > 20
    assert bad == [], bad
