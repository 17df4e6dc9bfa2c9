"""Linkage decisions people made: the ledger, and the must-link and cannot-link pairs in force.

A decision (confirm, reject, merge, split) is one ledger row; what it means for clustering is
a set of record-level constraints, each a pair of typed rows with the smaller `MemberKey` on
the left. A later decision about the same pair supersedes the earlier one, so the pairs in
force never contradict each other directly (docs/linkage.md, "Review and decisions").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.store.bulk import chunks
from polestar.store.entities import MemberKey
from polestar.store.tables import link_constraints, link_decisions

Pair = tuple[MemberKey, MemberKey]
MUST = "must"
CANNOT = "cannot"
_CHUNK = 2_000


def ordered(a: MemberKey, b: MemberKey) -> Pair:
    """The one spelling of a pair: the smaller key first."""
    return (a, b) if a <= b else (b, a)


def _utc(moment: datetime) -> datetime:
    """SQLite hands times back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Constraints:
    """Record pairs that must end in one entity, and pairs that must not."""

    must: list[Pair] = field(default_factory=list)
    cannot: list[Pair] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.must or self.cannot)


_PAIR = (
    link_constraints.c.record_id_l,
    link_constraints.c.source_key_l,
    link_constraints.c.record_id_r,
    link_constraints.c.source_key_r,
)


def _in_force(conn: Connection, kind: str, where: sa.ColumnElement[bool]) -> Iterator[Any]:
    return iter(
        conn.execute(
            sa.select(link_constraints.c.id, link_constraints.c.link, *_PAIR).where(
                link_constraints.c.kind == kind,
                link_constraints.c.superseded_by.is_(None),
                where,
            )
        )
    )


def _touching(conn: Connection, kind: str, records: Collection[MemberKey]) -> list[Any]:
    """Constraints in force with at least one side among `records`."""
    found: dict[int, Any] = {}
    keys = sorted(records)
    for chunk in chunks(keys, _CHUNK):
        for side in ("l", "r"):
            columns = (
                link_constraints.c[f"record_id_{side}"],
                link_constraints.c[f"source_key_{side}"],
            )
            for row in _in_force(conn, kind, sa.tuple_(*columns).in_(chunk)):
                found[row.id] = row
    return list(found.values())


def constraints(
    conn: Connection, kind: str, records: Collection[MemberKey] | None = None
) -> Constraints:
    """The pairs in force for `kind`: all of them (a batch run), or those touching `records`
    (the single-record path, which needs only what bears on the records it places)."""
    rows = (
        list(_in_force(conn, kind, sa.true()))
        if records is None
        else _touching(conn, kind, records)
    )
    found = Constraints()
    for row in sorted(rows, key=lambda r: r.id):
        pair = ((row.record_id_l, row.source_key_l), (row.record_id_r, row.source_key_r))
        (found.must if row.link == MUST else found.cannot).append(pair)
    return found


def record_decision(
    conn: Connection,
    *,
    kind: str,
    decision: str,
    actor: str,
    organisation: str | None,
    reason: str,
    now: datetime,
    entity_id: str | None = None,
    other_entity_id: str | None = None,
    run_id: int | None = None,
) -> int:
    """Add one decision to the ledger; returns its id."""
    result = conn.execute(
        link_decisions.insert().values(
            kind=kind,
            decision=decision,
            entity_id=entity_id,
            other_entity_id=other_entity_id,
            actor=actor,
            organisation=organisation,
            reason=reason,
            decided_at=now,
            run_id=run_id,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def constrain(
    conn: Connection,
    decision_id: int,
    kind: str,
    link: str,
    pairs: Iterable[Pair],
    sources: Mapping[MemberKey, str],
    supersede: Iterable[Pair] = (),
) -> int:
    """Put `pairs` in force as `link` (must or cannot) for the decision, superseding whatever
    was in force for those pairs and for the pairs in `supersede`; returns the pairs added.

    Args:
        sources: each record's source system, stored beside its key for people reading.
    """
    added = sorted({ordered(a, b) for a, b in pairs if a != b})
    replaced = set(added) | {ordered(a, b) for a, b in supersede}
    records = {key for pair in replaced for key in pair}
    stale = [
        row.id
        for row in _touching(conn, kind, records)
        if ((row.record_id_l, row.source_key_l), (row.record_id_r, row.source_key_r)) in replaced
    ]
    for chunk in chunks(stale, _CHUNK):
        conn.execute(
            link_constraints.update()
            .where(link_constraints.c.id.in_(chunk))
            .values(superseded_by=decision_id)
        )
    for chunk in chunks(added, _CHUNK):
        conn.execute(
            link_constraints.insert(),
            [
                {
                    "decision_id": decision_id,
                    "link": link,
                    "kind": kind,
                    "record_id_l": left[0],
                    "source_l": sources[left],
                    "source_key_l": left[1],
                    "record_id_r": right[0],
                    "source_r": sources[right],
                    "source_key_r": right[1],
                }
                for left, right in chunk
            ],
        )
    return len(added)


def in_force_between(
    conn: Connection, kind: str, link: str, one: Collection[MemberKey], other: Collection[MemberKey]
) -> list[Pair]:
    """Pairs of `link` in force with one side in `one` and the other in `other`."""
    found = []
    for row in _touching(conn, kind, one):
        left = (row.record_id_l, row.source_key_l)
        right = (row.record_id_r, row.source_key_r)
        if row.link == link and (
            (left in one and right in other) or (right in one and left in other)
        ):
            found.append((left, right))
    return found


def decided_pairs(conn: Connection, kind: str) -> Iterator[Pair]:
    """Every pair a decision holds in force (a run queues none of them for review)."""
    for row in _in_force(conn, kind, sa.true()):
        yield (row.record_id_l, row.source_key_l), (row.record_id_r, row.source_key_r)


@dataclass(frozen=True)
class Decision:
    """One row of the ledger, as `polestar link history` shows it."""

    id: int
    kind: str
    decision: str
    entity_id: str | None
    other_entity_id: str | None
    actor: str
    organisation: str | None
    reason: str
    decided_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `link history --json` and the history route."""
        return {
            "id": self.id,
            "decision": self.decision,
            "entity_id": self.entity_id,
            "other_entity_id": self.other_entity_id,
            "actor": self.actor,
            "organisation": self.organisation,
            "reason": self.reason,
            "decided_at": self.decided_at.isoformat(),
        }


def decision_on_pair(conn: Connection, kind: str, a: MemberKey, b: MemberKey) -> Decision | None:
    """The decision whose constraint on the pair of records `a` and `b` is in force, if any
    (a confirm or reject of the pair, or a merge or split that joined or parted them)."""
    left, right = ordered(a, b)
    row = conn.execute(
        sa.select(link_decisions)
        .join(link_constraints, link_constraints.c.decision_id == link_decisions.c.id)
        .where(
            link_constraints.c.kind == kind,
            link_constraints.c.superseded_by.is_(None),
            sa.tuple_(*_PAIR) == (*left, *right),
        )
        .order_by(link_decisions.c.id.desc())
        .limit(1)
    ).first()
    return _decision(row) if row is not None else None


def _decision(row: Any) -> Decision:
    return Decision(
        row.id,
        row.kind,
        row.decision,
        row.entity_id,
        row.other_entity_id,
        row.actor,
        row.organisation,
        row.reason,
        _utc(row.decided_at),
    )


def ledger(conn: Connection, entity_ids: Collection[str]) -> list[Decision]:
    """Decisions naming any of `entity_ids`, oldest first."""
    ids = sorted(entity_ids)
    rows = conn.execute(
        sa.select(link_decisions)
        .where(
            sa.or_(link_decisions.c.entity_id.in_(ids), link_decisions.c.other_entity_id.in_(ids))
        )
        .order_by(link_decisions.c.id)
    )
    return [_decision(row) for row in rows]
