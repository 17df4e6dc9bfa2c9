"""A `Scope` as SQL: which typed POLE rows a viewer may see, and which of their fields.

ARCHITECTURE.md premise 2: the access rules are part of the query, so counts, pages and
derived values only ever see visible rows. Each grant becomes a boolean expression over one
kind's table (EXISTS subqueries on indexed keys: links by `record_id`, entity members by their
primary key, events by `record_id`); a row is visible when it is current, some grant matches
and it is in no restricted category outside `Scope.categories`. The same expressions, selected
as columns, say which grants matched, so each row carries only the union of their fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from polestar.pole.vocabularies import EventType, Kind, Role
from polestar.store.scope import Category, Grant, Scope
from polestar.store.tables import (
    POLE_TABLES,
    entity_members,
    events,
    links,
    persons,
    source_records,
)

_TRUE = sa.true()
_FALSE = sa.false()
# Kinds whose records linkage places in entities (`entity_members.kind`), by POLE kind.
_MEMBER_KIND = {Kind.PERSON: "person", Kind.LOCATION: "location"}
_BASE_COLUMNS = ("record_id", "source", "source_key")
# What kind of object or event a row is: structure a grant's `types` already conditions on,
# read with every row so a profile can tell a vehicle from a phone, a crime from a hearing.
_SUBTYPE = {Kind.OBJECT: "object_type", Kind.EVENT: "event_type"}
# Each kind's plain name, looked up rather than read from the enum member for every row.
_KIND_NAMES = {kind: kind.value for kind in Kind}


def table(kind: Kind) -> sa.Table:
    """The typed table holding records of `kind`."""
    return POLE_TABLES[kind.value]


def _link_kind(kind: Kind, row: sa.Table) -> sa.ColumnElement[str]:
    """How links name a row's kind: objects by their type (`vehicle`, `phone`), others plainly."""
    if kind is Kind.OBJECT:
        return row.c.object_type
    return sa.literal(kind.value)


def _linked(
    kind: Kind, row: sa.Table, roles: Iterable[str] | None = None
) -> sa.ColumnElement[bool]:
    """The row is at either end of a link (with one of `roles`) within its own source record."""
    link = links.alias()
    ends = sa.or_(
        sa.and_(link.c.from_kind == _link_kind(kind, row), link.c.from_key == row.c.source_key),
        sa.and_(link.c.to_kind == _link_kind(kind, row), link.c.to_key == row.c.source_key),
    )
    conditions = [link.c.record_id == row.c.record_id, ends]
    if roles is not None:
        conditions.append(link.c.role.in_(sorted(roles)))
    return sa.exists().where(*conditions)


def _entity_has(member_kind: str, record_id: Any, key: Any, sources: frozenset[str]) -> sa.Exists:
    """The entity holding the record (`record_id`, `key`) also holds a record of `sources`."""
    mine = entity_members.alias()
    other = entity_members.alias()
    return sa.exists().where(
        mine.c.kind == member_kind,
        mine.c.record_id == record_id,
        mine.c.source_key == key,
        sa.exists().where(
            other.c.entity_id == mine.c.entity_id, other.c.source.in_(sorted(sources))
        ),
    )


def _entity_in(grant: Grant, row: sa.Table, sources: frozenset[str]) -> sa.ColumnElement[bool]:
    """`Grant.entity_in`: the row's own entity, or for an event a linked person's entity.

    An event with `roles` too must have the person linked in one of those roles, so a crime
    whose victim is supervised is not shared as if its suspect were.
    """
    member_kind = _MEMBER_KIND.get(grant.kind)
    if member_kind is not None:
        return _entity_has(member_kind, row.c.record_id, row.c.source_key, sources)
    if grant.kind is Kind.OBJECT:
        return _entity_has("vehicle", row.c.record_id, row.c.source_key, sources)
    link = links.alias()
    conditions = [
        link.c.record_id == row.c.record_id,
        link.c.from_kind == Kind.PERSON.value,
        link.c.to_kind == Kind.EVENT.value,
        link.c.to_key == row.c.source_key,
        _entity_has("person", link.c.record_id, link.c.from_key, sources),
    ]
    if grant.roles is not None:
        conditions.append(link.c.role.in_(sorted(grant.roles)))
    return sa.exists().where(*conditions)


def marked() -> sa.ColumnElement[bool]:
    """Person rows carrying warning markers (a JSON list, stored as null or `[]` when none)."""
    text = sa.cast(persons.c.markers, sa.Text)
    return sa.and_(persons.c.markers.is_not(None), text.not_in(["null", "[]"]))


def _flagged(flags: frozenset[str]) -> sa.ColumnElement[bool]:
    """Person rows flagged wanted or missing, or carrying warning markers."""
    conditions: list[sa.ColumnElement[bool]] = []
    if "wanted" in flags:
        conditions.append(persons.c.wanted.is_(True))
    if "missing" in flags:
        conditions.append(persons.c.missing.is_(True))
    if "markers" in flags:
        conditions.append(marked())
    return sa.or_(*conditions) if conditions else _FALSE


class likely(FunctionElement[bool]):
    """A condition most rows meet, so the planner must not start from it: SQLite's `likely()`.

    A partner's grant names whole sources (`source IN ('crime', 'custody')`). Without
    statistics (no `ANALYZE` has run) SQLite would drive a lookup of a few records from the
    `(source, source_key)` index instead of the record's own, reading every row of those
    sources; `likely()` tells it the condition barely narrows. Other databases get the bare
    condition (PostgreSQL's planner has statistics).
    """

    type = sa.Boolean()
    name = "likely"
    inherit_cache = True


@compiles(likely)
def _bare(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(likely, "sqlite")
def _sqlite_likely(element: likely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"


class implied(likely):
    """A condition the rest of a clause implies, written out so a row failing it is turned
    away before costlier ones (`_visible`): on PostgreSQL as `(…) IS TRUE`, which no index
    matches. As a bare `source IN (…)` beside the grants', PostgreSQL ANDed into a read of a
    partner's 370 events by record id a bitmap of every event of the granted sources, 345,000
    at 1M: 20 ms against 3, on each connection until psycopg had prepared the statement."""

    name = "implied"
    inherit_cache = True


@compiles(implied, "postgresql")
def _postgresql_implied(element: implied, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) IS TRUE)"


# Grants and scopes are frozen, and a clause is a pure function of them: built once, reused by
# every read under the same scope that day (`_on_its_day`; grants' by every request), not
# rebuilt per query.
@lru_cache(maxsize=1024)
def grant_clause(grant: Grant) -> sa.ColumnElement[bool]:
    """Whether a row of `grant.kind`'s table matches every condition the grant states."""
    row = table(grant.kind)
    conditions: list[sa.ColumnElement[bool]] = []
    if grant.sources is not None:
        conditions.append(likely(row.c.source.in_(sorted(grant.sources))))
    if grant.types is not None:
        column = {Kind.OBJECT: "object_type", Kind.EVENT: "event_type"}.get(grant.kind)
        conditions.append(row.c[column].in_(sorted(grant.types)) if column else _FALSE)
    # An event's `entity_in` is tested through a person linked to it in one of `roles`, which
    # says the event is so linked: the roles condition alone would be a second probe per row.
    if grant.roles is not None and not (grant.kind is Kind.EVENT and grant.entity_in):
        conditions.append(_linked(grant.kind, row, grant.roles))
    if grant.flags is not None:
        conditions.append(_flagged(grant.flags) if grant.kind is Kind.PERSON else _FALSE)
    if grant.entity_in is not None:
        conditions.append(_entity_in(grant, row, grant.entity_in))
    return sa.and_(_TRUE, *conditions)


def _intelligence(row: sa.Table) -> sa.ColumnElement[bool]:
    """Every row of a source record that holds an intelligence log."""
    log = events.alias()
    return sa.exists().where(
        log.c.record_id == row.c.record_id, log.c.event_type == EventType.INTELLIGENCE.value
    )


def _victim_of_sexual_offence(record_id: Any, person_key: Any) -> sa.ColumnElement[bool]:
    """The person (`record_id`, `person_key`) is a victim of a sexual offence in that record."""
    link = links.alias()
    offence = events.alias()
    return sa.exists().where(
        link.c.record_id == record_id,
        link.c.from_kind == Kind.PERSON.value,
        link.c.from_key == person_key,
        link.c.role == Role.VICTIM.value,
        link.c.to_kind == Kind.EVENT.value,
        sa.exists().where(
            offence.c.record_id == link.c.record_id,
            offence.c.source_key == link.c.to_key,
            offence.c.attributes["sexual_offence"].as_boolean().is_(True),
        ),
    )


def _sexual_offence_victim(kind: Kind, row: sa.Table) -> sa.ColumnElement[bool] | None:
    """The victim's person row, and the home and phone linked from it, which identify them
    as surely as the name does."""
    if kind is Kind.PERSON:
        return _victim_of_sexual_offence(row.c.record_id, row.c.source_key)
    if kind is Kind.EVENT:
        return None
    link = links.alias()
    return sa.exists().where(
        link.c.record_id == row.c.record_id,
        link.c.from_kind == Kind.PERSON.value,
        link.c.to_kind == _link_kind(kind, row),
        link.c.to_key == row.c.source_key,
        _victim_of_sexual_offence(link.c.record_id, link.c.from_key),
    )


def eighteen_years_before(day: date) -> date:
    """The last date of birth of someone who is 18 on `day` (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 18)
    except ValueError:
        return day.replace(year=day.year - 18, day=28)


@lru_cache(maxsize=256)
def category_clause(kind: Kind, category: Category, as_of: date) -> sa.ColumnElement[bool] | None:
    """Rows of `kind` in a restricted category, or None when no row of that kind can be."""
    row = table(kind)
    if category is Category.INTELLIGENCE:
        return _intelligence(row)
    if category is Category.SEXUAL_OFFENCE_VICTIM:
        return _sexual_offence_victim(kind, row)
    if kind is Kind.PERSON:
        return sa.and_(persons.c.dob.is_not(None), persons.c.dob > eighteen_years_before(as_of))
    return None


# Categories that hide every row of a source record alike: a record any of whose rows a scope
# shows is outside them.
_RECORD_WIDE = frozenset({Category.INTELLIGENCE})


def visible_clause(scope: Scope, kind: Kind) -> sa.ColumnElement[bool]:
    """The WHERE clause of every query for `kind` under `scope`: no grants, no rows."""
    return _visible(_on_its_day(scope), kind, record_shown=False)


def visible_in_shown_records(scope: Scope, kind: Kind) -> sa.ColumnElement[bool]:
    """`visible_clause` for rows of source records known to hold a row `scope` shows (the
    events of the records a person is seen in): such a record is current and in no record-wide
    category, so only the grants and the row's own categories are left to test."""
    return _visible(_on_its_day(scope), kind, record_shown=True)


def _on_its_day(scope: Scope) -> Scope:
    """`scope` as of the start of its day, which is all a clause reads of its time (`under-18`):
    so the day's searches under one scope share their clauses (`_visible`'s cache), where each new
    moment built them anew (a partner's took 0.7 ms a search) and pushed older ones out."""
    return replace(scope, as_of=datetime.combine(scope.as_of.date(), time(), scope.as_of.tzinfo))


@lru_cache(maxsize=256)
def _visible(scope: Scope, kind: Kind, *, record_shown: bool) -> sa.ColumnElement[bool]:
    grants = scope.grants_for(kind)
    if not grants:
        return _FALSE
    row = table(kind)
    conditions: list[sa.ColumnElement[bool]] = []
    if all(grant.sources is not None for grant in grants):
        # Implied by the grants, and cheap: first, so a row of a source no grant names is
        # turned away before the correlated probes (PostgreSQL orders conditions by their
        # cost, and the grants' cost their probes': for a probation caseworker it checked a
        # third of a namesake's rows for intelligence and victims, to turn them away by source).
        granted = sorted(set().union(*(grant.sources or () for grant in grants)))
        conditions.append(implied(row.c.source.in_(granted)))
    if not record_shown:
        conditions.append(
            sa.exists().where(
                source_records.c.id == row.c.record_id,
                source_records.c.withdrawn_run_id.is_(None),
            )
        )
    conditions.append(sa.or_(*(grant_clause(g) for g in grants)))
    hidden = [
        clause
        for category in Category
        if category not in scope.categories
        if not (record_shown and category in _RECORD_WIDE)
        if (clause := category_clause(kind, category, scope.as_of.date())) is not None
    ]
    if hidden:
        conditions.append(sa.not_(sa.or_(*hidden)))
    return sa.and_(*conditions)


@dataclass(frozen=True)
class VisibleRow:
    """One typed row as a viewer may see it: `values` holds only the fields they may see;
    `subtype` is an object's or event's type (`vehicle`, `crime`), None for other kinds."""

    kind: Kind
    record_id: int
    source: str
    source_key: str
    values: Mapping[str, Any]
    subtype: str | None = None

    @property
    def key(self) -> tuple[int, str]:
        """(record_id, source_key): how links and entity members name the row."""
        return (self.record_id, self.source_key)

    @property
    def link_kind(self) -> str:
        """How links name the row's kind: objects by their type, others by their kind."""
        if self.kind is Kind.OBJECT and self.subtype:
            return self.subtype
        return _KIND_NAMES[self.kind]

    @property
    def name(self) -> str:
        """`SOURCE:KEY`, as CONVENTIONS.md names a record."""
        return f"{self.source}:{self.source_key}"


@dataclass(frozen=True)
class _Redaction:
    """Which columns of a result row a combination of grants shows, worked out once per query
    and combination: only `fields`; `attributes.<name>` keeps that one attribute."""

    plain: tuple[tuple[str, int], ...]  # (field, its position in the row)
    attributes: int | None  # the position of the attributes column, if read
    whole: bool  # every attribute, or only `named`
    named: tuple[str, ...]

    @classmethod
    def of(cls, fields: frozenset[str], names: Sequence[str]) -> _Redaction:
        at = {name: index for index, name in enumerate(names)}
        return cls(
            tuple((name, at[name]) for name in fields if name in at and name != "attributes"),
            at.get("attributes"),
            "attributes" in fields,
            tuple(f.removeprefix("attributes.") for f in fields if f.startswith("attributes.")),
        )

    def apply(self, row: Sequence[Any]) -> dict[str, Any]:
        values = {name: row[index] for name, index in self.plain}
        attributes = (None if self.attributes is None else row[self.attributes]) or {}
        if self.whole:
            values["attributes"] = dict(attributes)
        elif kept := {name: attributes[name] for name in self.named if name in attributes}:
            values["attributes"] = kept
        return values


def visible_rows(
    conn: Connection,
    scope: Scope,
    kind: Kind,
    where: sa.ColumnElement[bool],
    only: frozenset[str] | None = None,
) -> list[VisibleRow]:
    """Rows of `kind` matching `where` that `scope` shows, each with only its visible fields.

    Only columns some grant shows are read at all; each row then keeps the union of the fields
    of the grants it matches (`Scope.fields` is the most any row can show).

    Args:
        only: read no field outside these, for a caller that needs a few (search ranks
            thousands of rows by name; decoding every JSON column would dominate its time).
    """
    grants = scope.grants_for(kind)
    if not grants:
        return []
    row = table(kind)
    wanted = scope.fields(kind) if only is None else scope.fields(kind) & only
    columns = [
        c
        for c in row.columns
        if c.name in _BASE_COLUMNS
        or c.name == _SUBTYPE.get(kind)
        or c.name in wanted
        or (c.name == "attributes" and any(f.startswith("attributes") for f in wanted))
    ]
    # Which grants each row matches; a row shown under a scope's only grant matches that one,
    # so the grant's probes are not run a second time for it.
    matched = [
        (grant_clause(g) if len(grants) > 1 else _TRUE).label(f"_grant_{i}")
        for i, g in enumerate(grants)
    ]
    query = (
        sa.select(*columns, *matched)
        .where(where, visible_clause(scope, kind))
        .order_by(row.c.source, row.c.source_key, row.c.record_id)
    )
    # Plain tuples, not mappings: a walk reads thousands of rows, and a mapping per row (and a
    # failed lookup of a subtype the kind does not have) cost more than the query itself. All
    # fetched at once: psycopg then makes the rows in C, not one call each.
    names = [c.name for c in columns]
    subtype = names.index(_SUBTYPE[kind]) if kind in _SUBTYPE else None
    record_id, source, source_key = (names.index(name) for name in _BASE_COLUMNS)
    # Rows match few combinations of grants: each combination's redaction is worked out once.
    redactions: dict[tuple[bool, ...], _Redaction] = {}
    found = []
    for result in conn.execute(query).all():
        matches = tuple(bool(matched) for matched in result[len(names) :])
        redaction = redactions.get(matches)
        if redaction is None:
            fields = frozenset().union(
                *(g.fields for g, m in zip(grants, matches, strict=True) if m)
            )
            redaction = redactions[matches] = _Redaction.of(fields, names)
        found.append(
            VisibleRow(
                kind,
                result[record_id],
                result[source],
                result[source_key],
                redaction.apply(result),
                None if subtype is None else result[subtype],
            )
        )
    return found
