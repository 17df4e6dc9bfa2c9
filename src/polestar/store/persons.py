"""Person entities as a viewer sees them: their visible person rows and what those rows link to.

Every query here takes a `Scope` and applies `visible.visible_clause`, so a profile built from
these rows is built as if the records the viewer may not see did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind, Role
from polestar.store import neighbours
from polestar.store.scope import Scope
from polestar.store.tables import persons
from polestar.store.visible import VisibleRow, visible_rows


def live_person_entity(conn: Connection, entity_id: str) -> str | None:
    """The live person entity an id names now (a retired id resolves to its successor)."""
    return neighbours.live_entity(conn, entity_id, Kind.PERSON.value)


def entity_persons(conn: Connection, scope: Scope, entity_id: str) -> list[VisibleRow]:
    """The entity's person rows that `scope` shows, redacted."""
    return neighbours.entity_rows(conn, scope, Kind.PERSON.value, [entity_id])


def linked_from(
    conn: Connection,
    scope: Scope,
    kind: Kind,
    people: Sequence[VisibleRow],
    roles: Iterable[str] | None = None,
) -> list[VisibleRow]:
    """Visible rows of `kind` that the visible person rows `people` link to (with one of
    `roles`) within their own source records."""
    return neighbours.linked(conn, scope, kind, people, "to", roles)


def report_places(conn: Connection, scope: Scope, people: Sequence[VisibleRow]) -> list[VisibleRow]:
    """Visible locations where events the visible person rows `people` reported happened,
    within their own source records (two links: person —reporter→ event —occurred-at→ place)."""
    events = neighbours.linked(conn, scope, Kind.EVENT, people, "to", {Role.REPORTER.value})
    return neighbours.linked(conn, scope, Kind.LOCATION, events, "to", {Role.OCCURRED_AT.value})


def named_persons(conn: Connection, scope: Scope, source: str, source_key: str) -> list[VisibleRow]:
    """The visible person rows named `SOURCE:KEY`, redacted: several when a records system's
    nominal appears in several of its records, none when unknown or invisible alike."""
    return visible_rows(
        conn,
        scope,
        Kind.PERSON,
        sa.and_(persons.c.source == source, persons.c.source_key == source_key),
    )
