"""The review queue: pairs of person rows a run put in front of a person, open until decided.

Reads take a `Scope`: an item is listed only when the viewer may see both of its rows, so the
queue never reveals a record the viewer may not see (ARCHITECTURE.md premise 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from polestar.pole.vocabularies import Kind
from polestar.store.bulk import chunks
from polestar.store.decisions import Pair
from polestar.store.entities import MemberKey
from polestar.store.scope import Scope
from polestar.store.tables import persons, review_items
from polestar.store.visible import VisibleRow, visible_clause, visible_rows

# Record ids bound per statement: a prolific person's records number thousands.
_CHUNK = 5_000
# An open item's pair and why it was queued: (left, right, `queued_because`).
Item = tuple[MemberKey, MemberKey, str]
ITEM_COLUMNS = (
    "record_id_l",
    "source_l",
    "source_key_l",
    "record_id_r",
    "source_r",
    "source_key_r",
    "match_probability",
    "match_weight",
    "queued_because",
)


def _utc(moment: datetime) -> datetime:
    """SQLite hands times back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReviewItem:
    """One queued pair; `decision_id` is None while it is open."""

    id: int
    kind: str
    left: MemberKey
    left_source: str
    right: MemberKey
    right_source: str
    match_probability: float
    match_weight: float
    queued_because: str  # `linkage.grounds.GROUNDS`
    run_id: int
    queued_at: datetime
    decision_id: int | None

    @property
    def names(self) -> tuple[str, str]:
        """Both records as `SOURCE:KEY`."""
        return f"{self.left_source}:{self.left[1]}", f"{self.right_source}:{self.right[1]}"


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        row.id,
        row.kind,
        (row.record_id_l, row.source_key_l),
        row.source_l,
        (row.record_id_r, row.source_key_r),
        row.source_r,
        row.match_probability,
        row.match_weight,
        row.queued_because,
        row.run_id,
        _utc(row.queued_at),
        row.decision_id,
    )


def open_pairs(conn: Connection, kind: str) -> Iterator[Pair]:
    """The pairs of every open item (a run does not queue them again)."""
    rows = conn.execute(
        sa.select(
            review_items.c.record_id_l,
            review_items.c.source_key_l,
            review_items.c.record_id_r,
            review_items.c.source_key_r,
        ).where(review_items.c.kind == kind, review_items.c.decision_id.is_(None))
    )
    for record_l, key_l, record_r, key_r in rows:
        yield (record_l, key_l), (record_r, key_r)


def is_open(conn: Connection, kind: str, left: MemberKey, right: MemberKey) -> bool:
    """Whether an open item holds the pair of records `left` < `right`."""
    found = conn.execute(
        sa.select(review_items.c.id)
        .where(
            review_items.c.kind == kind,
            review_items.c.record_id_l == left[0],
            review_items.c.source_key_l == left[1],
            review_items.c.record_id_r == right[0],
            review_items.c.source_key_r == right[1],
            review_items.c.decision_id.is_(None),
        )
        .limit(1)
    ).first()
    return found is not None


def open_naming(conn: Connection, kind: str, keys: Iterable[MemberKey]) -> list[Item]:
    """The open items naming any of these records: each (left, right, `queued_because`).
    Read by record id from either side's index; few open items name any one record."""
    wanted = set(keys)
    ids = sorted({record_id for record_id, _ in wanted})
    c = review_items.c
    found: dict[int, Item] = {}
    for record_id in (c.record_id_l, c.record_id_r):
        for chunk in chunks(ids, _CHUNK):
            rows = conn.execute(
                sa.select(
                    c.id, c.record_id_l, c.source_key_l, c.record_id_r, c.source_key_r,
                    c.queued_because,
                ).where(
                    c.kind == kind,
                    record_id.in_(chunk),
                    c.decision_id.is_(None),
                )
            )  # fmt: skip
            for item_id, id_l, key_l, id_r, key_r, ground in rows:
                if {(id_l, key_l), (id_r, key_r)} & wanted:
                    found[item_id] = ((id_l, key_l), (id_r, key_r), ground)
    return [found[item_id] for item_id in sorted(found)]


def add_items(
    conn: Connection, kind: str, rows: Sequence[dict[str, Any]], run_id: int, now: datetime
) -> int:
    """Queue `rows` (dicts of `ITEM_COLUMNS`, left < right) in one bulk insert."""
    if rows:
        conn.execute(
            review_items.insert(),
            [{**row, "kind": kind, "run_id": run_id, "queued_at": now} for row in rows],
        )
    return len(rows)


def get_item(conn: Connection, item_id: int) -> ReviewItem | None:
    row = conn.execute(sa.select(review_items).where(review_items.c.id == item_id)).first()
    return None if row is None else _item(row)


def close_item(conn: Connection, item_id: int, decision_id: int) -> None:
    conn.execute(
        review_items.update().where(review_items.c.id == item_id).values(decision_id=decision_id)
    )


def _visible_side(scope: Scope, side: str) -> sa.Exists:
    return sa.exists().where(
        persons.c.record_id == review_items.c[f"record_id_{side}"],
        persons.c.source_key == review_items.c[f"source_key_{side}"],
        visible_clause(scope, Kind.PERSON),
    )


def visible_open_items(
    conn: Connection,
    scope: Scope,
    kind: str,
    after: int | None,
    limit: int,
    ground: str | None = None,
) -> list[ReviewItem]:
    """Open items whose both rows `scope` shows, by id after the cursor `after`; only those
    queued on `ground` (`queued_because`), if given."""
    query = (
        sa.select(review_items)
        .where(
            review_items.c.kind == kind,
            review_items.c.decision_id.is_(None),
            _visible_side(scope, "l"),
            _visible_side(scope, "r"),
        )
        .order_by(review_items.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(review_items.c.id > after)
    if ground is not None:
        query = query.where(review_items.c.queued_because == ground)
    return [_item(row) for row in conn.execute(query)]


def visible_person_rows(
    conn: Connection, scope: Scope, keys: Sequence[MemberKey]
) -> dict[MemberKey, VisibleRow]:
    """The person rows `keys` as `scope` shows them, redacted (invisible ones are absent)."""
    if not keys:
        return {}
    wanted = sa.tuple_(persons.c.record_id, persons.c.source_key).in_(sorted(set(keys)))
    return {
        (row.record_id, row.source_key): row
        for row in visible_rows(conn, scope, Kind.PERSON, wanted)
    }
