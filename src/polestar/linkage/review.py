"""The review queue as people use it: list open items as a viewer may see them, decide one.

Listing shows personal data, so it goes through the Viewer like the person view: a purpose is
required, an item appears only when both its records are visible, each record carries only
the fields the viewer may see, and the list is recorded as a consultation of every record it
showed (`in_results`). Deciding (confirm or reject) is an Alteration: the pair becomes
must-link or cannot-link for every later run (`linkage/decisions.py` for merge and split).
An item is named by its id, as the list prints it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access import Viewer, scope_for
from polestar.errors import FieldError, InvalidInput, PolestarError
from polestar.linkage.decisions import (
    KIND,
    Reviewer,
    UnknownReference,
    check_reason,
    check_reviewer,
)
from polestar.linkage.grounds import GROUNDS
from polestar.pole.addresses import one_line
from polestar.pole.vocabularies import Kind, Role
from polestar.settings import Settings
from polestar.store import decisions as ledger_store
from polestar.store import entities as entity_store
from polestar.store import neighbours, review_items
from polestar.store.decisions import CANNOT, MUST
from polestar.store.entities import MemberKey
from polestar.store.persons import linked_from
from polestar.store.provenance import Provenance, provenance
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

LIST_ACTION = "link.review.list"
DECISIONS = {"confirm": MUST, "reject": CANNOT}
MAX_LIMIT = 500


def _plain(value: Any) -> Any:
    """A stored value as JSON: dates as ISO text, containers element by element."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class ReviewRecord:
    """One side of an item: the record, its entity now, the fields the viewer may see, and
    what linkage weighed beside them that the viewer may see too: the homes the record
    gives, the places its reports came from and its phones (a `forenames differ` join rests
    on a surname and these)."""

    record: str
    entity_id: str | None
    values: dict[str, Any]
    homes: list[str] = field(default_factory=list)
    reported_from: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # the rows those came from, for the audit
    # When a version of the record newer than the one the pair was scored on arrived: the
    # values shown are the new ones, the item's probability the old version's (None: as scored).
    changed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "entity_id": self.entity_id,
            "values": self.values,
            "homes": self.homes,
            "reported_from": self.reported_from,
            "phones": self.phones,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
        }


@dataclass(frozen=True)
class _Beside:
    """What one person row links to within its source record and a viewer may see."""

    homes: list[VisibleRow]
    reported_from: list[VisibleRow]
    phones: list[VisibleRow]


def _by_key(rows: Sequence[VisibleRow]) -> dict[MemberKey, VisibleRow]:
    return {row.key: row for row in rows}


def _beside(conn: Connection, scope: Scope, rows: Sequence[VisibleRow]) -> dict[MemberKey, _Beside]:
    """For each of `rows`, its visible homes, places its reports came from and phones: read for
    all rows at once, then paired by the links of their source records, so that of two people
    in one crime report (a pair can be) each keeps only what is theirs."""
    homes = _by_key(linked_from(conn, scope, Kind.LOCATION, rows, {Role.RESIDES_AT.value}))
    phones = _by_key(linked_from(conn, scope, Kind.OBJECT, rows, {Role.USES.value}))
    reported = neighbours.linked(conn, scope, Kind.EVENT, rows, "to", {Role.REPORTER.value})
    reports = _by_key(reported)
    places = _by_key(
        neighbours.linked(conn, scope, Kind.LOCATION, reported, "to", {Role.OCCURRED_AT.value})
    )
    ends: dict[tuple[int, str, str, str], set[str]] = {}
    for link in neighbours.links_within(conn, {row.record_id for row in rows}):
        ends.setdefault((link.record_id, link.from_kind, link.from_key, link.role), set()).add(
            link.to_key
        )

    def reached(
        row: VisibleRow, role: Role, found: Mapping[MemberKey, VisibleRow]
    ) -> list[VisibleRow]:
        keys = ends.get((row.record_id, row.link_kind, row.source_key, role.value), set())
        return [found[row.record_id, key] for key in sorted(keys) if (row.record_id, key) in found]

    return {
        row.key: _Beside(
            reached(row, Role.RESIDES_AT, homes),
            [
                place
                for report in reached(row, Role.REPORTER, reports)
                for place in reached(report, Role.OCCURRED_AT, places)
            ],
            reached(row, Role.USES, phones),
        )
        for row in rows
    }


def _review_record(
    row: VisibleRow, name: str, entity_id: str | None, beside: _Beside, changed_at: datetime | None
) -> ReviewRecord:
    """One side of an item: the row's visible fields and what it links to."""

    def lines(places: Sequence[VisibleRow]) -> list[str]:
        return list(dict.fromkeys(text for place in places if (text := one_line(place.values))))

    numbers = (phone.values.get("phone_number") for phone in beside.phones)
    return ReviewRecord(
        name,
        entity_id,
        _plain(dict(row.values)),
        homes=lines(beside.homes),
        reported_from=lines(beside.reported_from),
        phones=list(dict.fromkeys(number for number in numbers if number)),
        shown=[other.name for other in (*beside.homes, *beside.reported_from, *beside.phones)],
        changed_at=changed_at,
    )


def _changed_at(
    arrived: Mapping[int, Provenance], key: MemberKey, item: review_items.ReviewItem
) -> datetime | None:
    """When the record's current version arrived, if after the item was queued: an ingest
    replaced the version the pair was scored on."""
    current = arrived.get(key[0])
    return current.ingested_at if current and current.ingested_at > item.queued_at else None


@dataclass(frozen=True)
class ReviewEntry:
    """One open item: the scored pair, as `link review list --json` prints it."""

    item: int
    match_probability: float
    match_weight: float
    queued_because: str  # a key of `grounds.GROUNDS`
    queued_at: datetime
    records: tuple[ReviewRecord, ReviewRecord]

    @property
    def ground(self) -> str:
        """Why the pair is in the queue, in words."""
        return GROUNDS.get(self.queued_because, self.queued_because)

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "match_probability": self.match_probability,
            "match_weight": self.match_weight,
            "queued_because": self.queued_because,
            "queued_at": self.queued_at.isoformat(),
            "records": [record.as_dict() for record in self.records],
        }


@dataclass(frozen=True)
class ReviewPage:
    """A page of open items; `next_cursor` pages on (None on the last page)."""

    items: list[ReviewEntry]
    next_cursor: int | None
    withheld: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": [item.as_dict() for item in self.items],
            "next_cursor": self.next_cursor,
            "withheld": self.withheld,
        }


def review_list(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    *,
    limit: int = 50,
    cursor: int | None = None,
    ground: str | None = None,
    now: datetime | None = None,
) -> ReviewPage:
    """Open review items whose both records `viewer` may see, recorded as a consultation.

    Args:
        limit: items per page (1–500).
        cursor: the `next_cursor` of the previous page.
        ground: only items queued on this ground (a key of `grounds.GROUNDS`).

    Raises:
        InvalidInput: (422) no purpose or a disallowed one, a limit out of range, an unknown
            ground. Recorded as a denied consultation.
    """
    now = now or datetime.now(UTC)
    entry = replace(viewer.consultation(LIST_ACTION), in_results=True, occurred_at=now)
    try:
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(
                f"limit must be 1 to {MAX_LIMIT}", [FieldError("limit", f"got {limit}")]
            )
        if ground is not None and ground not in GROUNDS:
            known = ", ".join(sorted(GROUNDS))
            raise InvalidInput(
                f"no ground {ground[:64]!r}", [FieldError("ground", f"one of {known}")]
            )
        with engine.connect() as conn:
            scope = scope_for(
                conn, viewer, now, require_justification=settings.require_justification
            )
            items = review_items.visible_open_items(conn, scope, KIND, cursor, limit, ground)
            keys = [key for item in items for key in (item.left, item.right)]
            rows = review_items.visible_person_rows(conn, scope, keys)
            entity_of = entity_store.placed(conn, KIND, keys)
            beside = _beside(conn, scope, list(rows.values()))
            arrived = provenance(conn, [record_id for record_id, _key in keys])
    except PolestarError as exc:
        refusal = {"status": exc.status, "reason": type(exc).__name__}
        audit.record(engine, replace(entry, details=refusal).denied(), settings)
        raise
    entries = []
    for item in items:
        left, right = (
            _review_record(
                rows[key], name, entity_of.get(key), beside[key], _changed_at(arrived, key, item)
            )
            for key, name in zip((item.left, item.right), item.names, strict=True)
        )
        entries.append(
            ReviewEntry(
                item.id,
                item.match_probability,
                item.match_weight,
                item.queued_because,
                item.queued_at,
                (left, right),
            )
        )
    page = ReviewPage(
        entries, items[-1].id if len(items) == limit else None, sorted(scope.withheld)
    )
    audit.record(
        engine,
        replace(
            entry,
            entity_ids=tuple(dict.fromkeys(v for v in entity_of.values())),
            record_ids=tuple(
                dict.fromkeys(
                    name
                    for listed in entries
                    for side in listed.records
                    for name in (side.record, *side.shown)
                )
            ),
            details={"items": len(items), "withheld": page.withheld, "ground": ground},
        ),
        settings,
    )
    return page


def decide(
    engine: Engine,
    settings: Settings,
    reviewer: Reviewer,
    item_id: int,
    decision: str,
    reason: str,
    now: datetime | None = None,
) -> int:
    """Confirm or reject an open item's pair for every later run; returns the decision's id.

    Raises:
        UnknownReference: no such item.
        InvalidInput: an item decided already, a decision other than confirm or reject, or
            no reason.
        Forbidden: a reviewer outside the home force.
    """
    now = now or datetime.now(UTC)
    if decision not in DECISIONS:
        raise InvalidInput(f"decide confirm or reject, not {decision!r}")
    reason = check_reason(reason)
    with audit.transaction(engine, settings) as conn:
        check_reviewer(conn, reviewer)
        item = review_items.get_item(conn, item_id)
        if item is None:
            raise UnknownReference(f"no review item {item_id}: see `polestar link review list`")
        if item.decision_id is not None:
            raise InvalidInput(
                f"review item {item_id} was decided already (decision {item.decision_id}); "
                "use `polestar link merge` or `polestar link split` to change its records"
            )
        entity_of = entity_store.placed(conn, KIND, [item.left, item.right])
        decision_id = ledger_store.record_decision(
            conn,
            kind=KIND,
            decision=decision,
            actor=reviewer.user,
            organisation=reviewer.organisation,
            reason=reason,
            now=now,
            entity_id=entity_of.get(item.left),
            other_entity_id=entity_of.get(item.right),
        )
        sources = {item.left: item.left_source, item.right: item.right_source}
        ledger_store.constrain(
            conn, decision_id, KIND, DECISIONS[decision], [(item.left, item.right)], sources
        )
        review_items.close_item(conn, item_id, decision_id)
        audit.record_in(
            conn,
            reviewer.alteration(
                "link.review.decide",
                reason,
                entity_ids=tuple(dict.fromkeys(entity_of.values())),
                record_ids=item.names,
                occurred_at=now,
                details={"decision_id": decision_id, "item": item_id, "decision": decision},
            ),
            settings,
        )
    return decision_id
