"""Person entities as a viewer sees them: their visible person rows and what those rows link to.

Every query here takes a `Scope` and applies `visible.visible_clause`, so a profile built from
these rows is built as if the records the viewer may not see did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind
from polestar.store import entities as entity_store
from polestar.store.scope import Scope
from polestar.store.tables import entities, entity_members, links, persons
from polestar.store.visible import VisibleRow, table, visible_rows


def live_person_entity(conn: Connection, entity_id: str) -> str | None:
    """The live person entity an id names now (a retired id resolves to its successor)."""
    current = entity_store.resolve(conn, entity_id)
    if current is None:
        return None
    kind = conn.execute(sa.select(entities.c.kind).where(entities.c.id == current)).scalar()
    return current if kind == Kind.PERSON.value else None


def entity_persons(conn: Connection, scope: Scope, entity_id: str) -> list[VisibleRow]:
    """The entity's person rows that `scope` shows, redacted."""
    member = sa.exists().where(
        entity_members.c.kind == Kind.PERSON.value,
        entity_members.c.entity_id == entity_id,
        entity_members.c.record_id == persons.c.record_id,
        entity_members.c.source_key == persons.c.source_key,
    )
    return visible_rows(conn, scope, Kind.PERSON, member)


def linked_from(
    conn: Connection,
    scope: Scope,
    kind: Kind,
    people: Sequence[VisibleRow],
    roles: Iterable[str] | None = None,
) -> list[VisibleRow]:
    """Visible rows of `kind` that the visible person rows `people` link to (with one of
    `roles`) within their own source records."""
    if not people or not scope.grants_for(kind):
        return []
    pairs = sorted({(person.record_id, person.source_key) for person in people})
    row = table(kind)
    target = row.c.object_type if kind is Kind.OBJECT else sa.literal(kind.value)
    conditions = [
        links.c.record_id == row.c.record_id,
        links.c.to_kind == target,
        links.c.to_key == row.c.source_key,
        links.c.from_kind == Kind.PERSON.value,
        sa.tuple_(links.c.record_id, links.c.from_key).in_(pairs),
    ]
    if roles is not None:
        conditions.append(links.c.role.in_(sorted(roles)))
    # Redundant with the link condition, but lets the database start from the rows of those
    # source records (an index) instead of testing every row of the kind.
    within = row.c.record_id.in_(sorted({person.record_id for person in people}))
    return visible_rows(conn, scope, kind, sa.and_(within, sa.exists().where(*conditions)))


def named_persons(conn: Connection, scope: Scope, source: str, source_key: str) -> list[VisibleRow]:
    """The visible person rows named `SOURCE:KEY`, redacted: several when a records system's
    nominal appears in several of its records, none when unknown or invisible alike."""
    return visible_rows(
        conn,
        scope,
        Kind.PERSON,
        sa.and_(persons.c.source == source, persons.c.source_key == source_key),
    )
