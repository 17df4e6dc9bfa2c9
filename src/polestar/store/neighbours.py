"""Rows reached from rows a viewer sees: an entity's members, and the rows linked to them.

A profile walks outwards from an entity: its visible rows, the rows linked to those within
their own source records (a person's home, the crime they are a suspect in, the vehicle a
crime involved), and the links themselves with their roles. Every row found goes through
`visible.visible_rows`, so a walk never steps onto a row the viewer may not see (premise 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind
from polestar.store import entities as entity_store
from polestar.store.bulk import chunks
from polestar.store.scope import Scope
from polestar.store.tables import entities, entity_members, links
from polestar.store.visible import VisibleRow, table, visible_rows

# Entity members are kept for these link kinds (`entity_members.kind`) of these POLE kinds.
MEMBER_KINDS = {"person": Kind.PERSON, "vehicle": Kind.OBJECT, "location": Kind.LOCATION}
_CHUNK = 2_000


class Link(NamedTuple):
    """One link within a source record, named by its two ends' (kind, key). A tuple: a network
    walk reads thousands."""

    record_id: int
    from_kind: str
    from_key: str
    role: str
    to_kind: str
    to_key: str


def live_entity(conn: Connection, entity_id: str, member_kind: str) -> str | None:
    """The live entity of `member_kind` an id names now (a retired id resolves to its
    successor); None for an unknown id or an entity of another kind."""
    current = entity_store.resolve(conn, entity_id)
    if current is None:
        return None
    kind = conn.execute(sa.select(entities.c.kind).where(entities.c.id == current)).scalar()
    return current if kind == member_kind else None


def entity_rows(
    conn: Connection,
    scope: Scope,
    member_kind: str,
    entity_ids: Sequence[str],
    exclude: Iterable[tuple[int, str]] = (),
) -> list[VisibleRow]:
    """The rows of the entities `entity_ids` (all of `member_kind`) that `scope` shows, but
    the `exclude`d (record_id, source_key): rows a caller already holds."""
    kind = MEMBER_KINDS[member_kind]
    if not entity_ids or not scope.grants_for(kind):
        return []
    # The members first, by the entity index; then every row of their source records by each
    # table's unique (record_id, source_key) index, keeping the members'. A correlated EXISTS
    # would test every row of the table, and a second IN list on `source_key` makes SQLite
    # probe every (record_id, source_key) pair of the two lists: 25 ms, not 2, for 341 rows.
    held = set(exclude)
    members = sorted(
        (record_id, key)
        for record_id, key in conn.execute(
            # No condition on `kind`: an entity's members are all of its kind, and with one
            # SQLite (without statistics) prefers the primary key, whose prefix is the kind,
            # and reads every member of that kind.
            sa.select(entity_members.c.record_id, entity_members.c.source_key).where(
                entity_members.c.entity_id.in_(sorted(set(entity_ids)))
            )
        )
        if (record_id, key) not in held
    )
    found = rows_named(conn, scope, kind, members)
    if kind is Kind.OBJECT:
        found = [r for r in found if r.subtype == member_kind]
    return found


def rows_named(
    conn: Connection, scope: Scope, kind: Kind, keys: Iterable[tuple[int, str]]
) -> list[VisibleRow]:
    """The rows of `kind` named by these (record_id, source_key) that `scope` shows: every row
    of their source records by the table's record index, keeping those named."""
    row = table(kind)
    found: list[VisibleRow] = []
    for chunk in chunks(sorted(set(keys)), _CHUNK):
        named = set(chunk)
        where = row.c.record_id.in_(sorted({record_id for record_id, _ in chunk}))
        found.extend(r for r in visible_rows(conn, scope, kind, where) if r.key in named)
    return sorted(found, key=lambda r: (r.source, r.source_key, r.record_id))


def linked(
    conn: Connection,
    scope: Scope,
    kind: Kind,
    ends: Sequence[VisibleRow],
    found_at: Literal["from", "to"],
    roles: Iterable[str] | None = None,
    subtype: str | None = None,
    exclude: Iterable[tuple[int, str]] = (),
) -> list[VisibleRow]:
    """Visible rows of `kind` linked to the rows `ends` within their own source records.

    Args:
        found_at: the end of the link the rows found are at: `to` for what `ends` link to
            (a person's home), `from` for what links to `ends` (a crime's suspects).
        roles: only links with one of these roles.
        subtype: only objects of this type (`vehicle`, `phone`) or events of this type.
        exclude: rows (record_id, source_key) not to return: those a caller already holds,
            so a prolific person's hundreds of own rows are not read again.
    """
    if not ends or not scope.grants_for(kind):
        return []
    row = table(kind)
    here, there = (links.c.to_kind, links.c.to_key), (links.c.from_kind, links.c.from_key)
    if found_at == "from":
        here, there = there, here
    target = row.c.object_type if kind is Kind.OBJECT else sa.literal(kind.value)
    found: dict[tuple[int, str], VisibleRow] = {}
    for end_kind in sorted({end.link_kind for end in ends}):
        pairs = sorted({end.key for end in ends if end.link_kind == end_kind})
        for chunk in chunks(pairs, _CHUNK):
            conditions = [
                links.c.record_id == row.c.record_id,
                here[0] == target,
                here[1] == row.c.source_key,
                there[0] == end_kind,
                sa.tuple_(links.c.record_id, there[1]).in_(chunk),
            ]
            if roles is not None:
                conditions.append(links.c.role.in_(sorted(roles)))
            records = {record_id for record_id, _ in chunk}
            where = [
                # Redundant with the link, but lets the database start from the rows of those
                # source records (an index) instead of testing every row of the kind.
                row.c.record_id.in_(sorted(records)),
                sa.exists().where(*conditions),
            ]
            if subtype is not None:
                where.append(row.c[_subtype_column(kind)] == subtype)
            held = sorted({pair for pair in exclude if pair[0] in records})
            if held:
                where.append(sa.not_(sa.tuple_(row.c.record_id, row.c.source_key).in_(held)))
            for item in visible_rows(conn, scope, kind, sa.and_(*where)):
                found.setdefault(item.key, item)
    return sorted(found.values(), key=lambda r: (r.source, r.source_key, r.record_id))


def links_within(
    conn: Connection,
    record_ids: Iterable[int],
    from_kinds: Iterable[str] | None = None,
    to_kinds: Iterable[str] | None = None,
) -> list[Link]:
    """The links of these source records (from and to rows of these kinds, if given): which
    row is which role of which other row.

    Links name rows by key and say nothing a row does not; callers pair them only with rows
    they already hold as visible.
    """
    conditions = []
    if from_kinds is not None:
        conditions.append(links.c.from_kind.in_(sorted(set(from_kinds))))
    if to_kinds is not None:
        conditions.append(links.c.to_kind.in_(sorted(set(to_kinds))))
    found: list[Link] = []
    for chunk in chunks(sorted(set(record_ids)), _CHUNK):
        rows = conn.execute(
            sa.select(
                links.c.record_id,
                links.c.from_kind,
                links.c.from_key,
                links.c.role,
                links.c.to_kind,
                links.c.to_key,
            ).where(links.c.record_id.in_(chunk), *conditions)
        )
        found.extend(map(Link._make, rows))
    return found


def placed_in(
    conn: Connection, member_kind: str, rows: Sequence[VisibleRow]
) -> dict[tuple[int, str], str]:
    """The entity each row is placed in (rows never placed are absent)."""
    wanted = {row.key for row in rows}
    found: dict[tuple[int, str], str] = {}
    for chunk in chunks(sorted({record_id for record_id, _ in wanted}), _CHUNK):
        # By the members' primary key (kind, record_id, …); a row-value IN list is not.
        members = conn.execute(
            sa.select(
                entity_members.c.record_id, entity_members.c.source_key, entity_members.c.entity_id
            ).where(entity_members.c.kind == member_kind, entity_members.c.record_id.in_(chunk))
        )
        found.update({(r, k): e for r, k, e in members if (r, k) in wanted})
    return found


def _subtype_column(kind: Kind) -> str:
    return {Kind.OBJECT: "object_type", Kind.EVENT: "event_type"}[kind]
