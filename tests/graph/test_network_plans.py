"""Every query a 2-hop network runs is answered from an index (issue 8: 2-hop p95 ≤ 200 ms at
1,000,000 person records): on SQLite, without statistics, no plan scans a growing table, drives
a lookup from a grant's `source`, or starts from every member of a kind (a join that let SQLite
do so took seconds at that size). Checked with EXPLAIN QUERY PLAN over the canary county."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from polestar.access import viewer_for
from polestar.errors import NotFound
from polestar.graph.network import network_view
from polestar.store import network as network_store
from polestar.store.tables import objects
from tests.canary import JUSTIFICATION, PURPOSES, Seeded, canary, canary_model
from tests.search.test_profile_plans import _BAD

__all__ = ["canary", "canary_model"]
# Every member of a kind (the primary key's prefix alone), or an index SQLite builds per query.
_WHOLE_KIND = re.compile(r"entity_members USING INDEX \w+ \(kind=\?\)$|AUTOMATIC")


# SQLite's planner only: PostgreSQL plans from the statistics it keeps.
@contextlib.contextmanager
def _selects(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on `engine` inside the block, with their parameters."""
    selects: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield selects
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def _bad_plans(engine: Engine, selects: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    raw = sqlite3.connect(engine.url.database or "")
    try:
        return [
            (detail, " ".join(statement.split())[:200])
            for statement, params in selects
            for *_, detail in raw.execute(f"EXPLAIN QUERY PLAN {statement}", params)
            if _BAD.search(detail) or _WHOLE_KIND.search(detail)
        ]
    finally:
        raw.close()


@pytest.mark.parametrize("canary", ["sqlite"], indirect=True)
@pytest.mark.parametrize("user", ["home-analyst", "cps-caseworker", "fire-caseworker"])
def test_no_network_query_reads_in_proportion_to_the_store(canary: Seeded, user: str) -> None:
    viewer = viewer_for(canary.engine, user, PURPOSES[user], JUSTIFICATION)
    with _selects(canary.engine) as selects, contextlib.suppress(NotFound):
        # A 404 runs its queries too.
        network_view(canary.engine, canary.settings, viewer, canary.target, hops=2)
    if user == "home-analyst":  # who sees the phones, so the walk looks their numbers up
        assert any("objects.phone_number IN" in statement for statement, _ in selects)
    assert _bad_plans(canary.engine, selects) == []


@pytest.mark.parametrize("canary", ["sqlite"], indirect=True)
def test_phone_users_start_from_the_numbers(canary: Seeded) -> None:
    # Several numbers, as a hop's people have: SQLite weighs one alone differently.
    with canary.engine.connect() as conn:
        numbers = list(
            conn.execute(
                sa.select(objects.c.phone_number).where(objects.c.phone_number.is_not(None))
            ).scalars()
        )
        with _selects(canary.engine) as selects:
            found = network_store.phone_users(conn, [*numbers, "+447700900001", "+447700900002"])
    assert found, numbers
    assert _bad_plans(canary.engine, selects) == []
