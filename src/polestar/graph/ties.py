"""Ties: the evidence joining two entities inside one source record, read through a Scope.

The network and the paths are walks over entities (people, vehicles, places). Two entities are
tied when a record the viewer sees links their rows directly (a person `resides-at` a place,
`uses` a vehicle, is `family` of another), when both take part in the same visible event (two
people in a crime, a person and the place it happened), or when two people use the same phone
number. Each tie names its evidence (the `SOURCE:KEY` of the source records holding it) and
the dates of the record's visible events, so filters by type, source and date apply to the
evidence itself. A record the viewer may not see contributes nothing (premise 2).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy.engine import Connection

from polestar.errors import FieldError, InvalidInput
from polestar.graph.associates import SUSPECT_ROLES
from polestar.graph.involvements import utc
from polestar.pole.addresses import one_line
from polestar.pole.names import full_name
from polestar.pole.times import london_day
from polestar.pole.vocabularies import Kind, ObjectType, Role
from polestar.pole.vrms import display
from polestar.store import neighbours
from polestar.store import network as network_store
from polestar.store.bulk import chunks
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

# Every type of tie, with what it means (the API documents these).
TIE_TYPES: dict[str, str] = {
    "co-suspect": "two people suspected of (or charged with) the same offence",
    "co-involved": "two people in the same event, in other roles",
    "family": "a record names two people as family",
    "associate": "a record names two people as associates",
    "resides-at": "a person lives or lived at a place",
    "works-at": "a person works at a place",
    "uses": "a person uses a vehicle",
    "owns": "a person owns a vehicle",
    "keeper": "a person is a vehicle's registered keeper",
    "event-place": "a person or vehicle in an event, and the place it happened",
    "event-vehicle": "a person and a vehicle in the same event",
    "shared-phone": "two people using the same phone number",
}
_LINKED_ROLES = frozenset(TIE_TYPES) & frozenset(Role)
_ORDER = itemgetter(0, 1, 2, 3)  # a tie's (a, b, type, evidence): the order walks meet them
_Key = tuple[str, int, str]  # (link kind, record_id, source_key): how links name a row


@dataclass(frozen=True)
class Filters:
    """What a walk may step along: tie types, source systems, and the dates of the evidence
    (a tie is kept when one of its dates falls between `since` and `until`, inclusive; with
    either set, a tie with no visible date is dropped)."""

    types: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        errors = []
        if self.types is not None and (unknown := sorted(self.types - set(TIE_TYPES))):
            errors.append(FieldError("types", f"unknown tie types: {', '.join(unknown)}"))
        if self.since and self.until and self.since > self.until:
            errors.append(FieldError("since", "must not be after `until`"))
        if errors:
            raise InvalidInput("the filters cannot be used as given", errors)

    @property
    def dated(self) -> bool:
        """Whether ties are kept by their dates."""
        return self.since is not None or self.until is not None

    def keeps(self, tie: Tie) -> bool:
        if self.types is not None and tie.type not in self.types:
            return False
        if not self.dated:
            return True
        return any(
            (self.since is None or self.since <= day) and (self.until is None or day <= self.until)
            for day in tie.dates
        )


class Tie(NamedTuple):
    """One piece of evidence that entities `a` and `b` (a < b) are tied. A tuple: a walk
    around a busy place makes thousands."""

    a: str
    b: str
    type: str
    evidence: tuple[str, ...]
    dates: tuple[date, ...] = ()

    def other(self, entity_id: str) -> str:
        return self.b if entity_id == self.a else self.a


def _tie(x: str, y: str, kind: str, evidence: Sequence[str], dates: Sequence[date]) -> Tie:
    a, b = (x, y) if x < y else (y, x)
    return Tie(a, b, kind, tuple(sorted(set(evidence))), tuple(sorted(set(dates))))


def label(row: VisibleRow) -> str | None:
    """What a node is called, from one of its visible rows: a name, a plate or an address."""
    if row.kind is Kind.PERSON:
        return full_name(row.values)
    if row.kind is Kind.LOCATION:
        return one_line(row.values)
    vrm = row.values.get("vrm")
    return display(str(vrm)) if vrm else None


def _pair_type(x: tuple[str, set[str]], y: tuple[str, set[str]]) -> str | None:
    """The type of tie two entities (kind, roles) in one event have; None for pairs the walk
    does not tie (two vehicles, two places)."""
    kinds = {x[0], y[0]}
    if kinds == {"person"}:
        return "co-suspect" if x[1] & SUSPECT_ROLES and y[1] & SUSPECT_ROLES else "co-involved"
    if "location" in kinds and len(kinds) == 2:
        return "event-place"
    if kinds == {"person", "vehicle"}:
        return "event-vehicle"
    return None


@dataclass
class _Records:
    """Visible rows of a batch of records, the entity each node row is placed in, and links."""

    rows: dict[_Key, VisibleRow]
    placed: dict[_Key, str]
    links: list[neighbours.Link]
    names: dict[int, str]
    dates: dict[int, list[date]] = field(default_factory=dict)
    within: list[Tie] | None = None  # its direct and event ties, once worked out

    def __post_init__(self) -> None:
        for (kind, record_id, _), row in self.rows.items():
            moment = utc(row.values.get("occurred_at")) if kind == Kind.EVENT else None
            if moment is not None:
                self.dates.setdefault(record_id, []).append(london_day(moment))


class Walker:
    """Reads the ties around entities for one Scope and one set of filters, and remembers
    each entity's kind and label (with the record the label came from) as it meets them."""

    def __init__(self, conn: Connection, scope: Scope, filters: Filters) -> None:
        self.conn = conn
        self.scope = scope
        self.filters = filters
        self.kinds: dict[str, str] = {}
        self.labels: dict[str, tuple[str, str]] = {}
        # Each record read so far, and the batch that holds it: the next hop's entities share
        # many records with this hop's (the crime that tied them), which are not read again.
        self._held: dict[int, _Records] = {}

    def around(self, entity_ids: Sequence[str]) -> Iterator[list[Tie]]:
        """The ties in the records of `entity_ids` (and the phone ties of their people) that
        the filters keep, a batch of records at a time: those already read, then the rest,
        newest first. A batch read before may hold other records too, whose ties come along:
        real, visible ties, which at most add edges between entities already met."""
        around = frozenset(entity_ids)
        records = network_store.entity_records(self.conn, entity_ids, self.filters.sources)
        held = {id(batch): batch for r in records if (batch := self._held.get(r)) is not None}
        for batch in held.values():
            yield self._ties(batch, around)
        fresh = [record for record in records if record not in self._held]
        for chunk in chunks(fresh, network_store.CHUNK):
            batch = self._read(chunk)
            self._held.update(dict.fromkeys(chunk, batch))
            yield self._ties(batch, around)

    def _ties(self, batch: _Records, around: frozenset[str]) -> list[Tie]:
        if batch.within is None:
            batch.within = self._within(batch)
        ties = [*batch.within, *self._phones(batch, around)]
        kept = [tie for tie in ties if self.filters.keeps(tie)]
        return sorted(kept, key=_ORDER)

    def meet(self, rows: Sequence[VisibleRow], entity_id: str, kind: str) -> None:
        """Note an entity's kind, and its label from the first of `rows` that gives one."""
        self.kinds.setdefault(entity_id, kind)
        for row in rows:
            if entity_id in self.labels:
                return
            if (text := label(row)) is not None:
                self.labels[entity_id] = (text, row.name)

    def _read(self, record_ids: Sequence[int]) -> _Records:
        dated = self.filters.dated  # ties carry no dates that nothing reads
        visible = network_store.record_rows(self.conn, self.scope, record_ids, dated)
        if self.filters.sources is not None:
            visible = [row for row in visible if row.source in self.filters.sources]
        rows = {(row.link_kind, row.record_id, row.source_key): row for row in visible}
        placed = {
            key: entity
            for key, entity in network_store.placed(self.conn, record_ids).items()
            if key in rows
        }
        for key, entity in placed.items():
            self.meet([rows[key]], entity, key[0])
        links = neighbours.links_within(self.conn, record_ids)
        return _Records(rows, placed, links, network_store.record_names(self.conn, record_ids))

    def _within(self, batch: _Records) -> list[Tie]:
        """Direct links between two node rows, and pairs of nodes in the same event."""
        ties = []
        events: dict[_Key, dict[str, set[str]]] = {}
        for link in batch.links:
            ends = (link.from_kind, link.record_id, link.from_key)
            there = (link.to_kind, link.record_id, link.to_key)
            if ends not in batch.rows or there not in batch.rows:
                continue  # an end the viewer may not see
            x, y = batch.placed.get(ends), batch.placed.get(there)
            if x and y and x != y and link.role in _LINKED_ROLES:
                dated = batch.dates.get(link.record_id, [])
                ties.append(_tie(x, y, link.role, [batch.names[link.record_id]], dated))
            elif x and link.to_kind == Kind.EVENT:
                events.setdefault(there, {}).setdefault(x, set()).add(link.role)
            elif y and link.from_kind == Kind.EVENT:
                events.setdefault(ends, {}).setdefault(y, set()).add(link.role)
        for key, taking_part in events.items():
            event = batch.rows[key]
            moment = utc(event.values.get("occurred_at"))
            when = [] if moment is None else [london_day(moment)]
            for (x, x_roles), (y, y_roles) in combinations(sorted(taking_part.items()), 2):
                kind = _pair_type((self.kinds[x], x_roles), (self.kinds[y], y_roles))
                if kind is not None:
                    ties.append(_tie(x, y, kind, [batch.names[event.record_id]], when))
        return ties

    def _users(self, batch: _Records) -> dict[str, list[tuple[str, VisibleRow]]]:
        """Each phone number's users in the batch: (person entity, the phone row)."""
        users: dict[str, list[tuple[str, VisibleRow]]] = {}
        for link in batch.links:
            if link.role != Role.USES or link.to_kind != ObjectType.PHONE:
                continue
            person = batch.placed.get((link.from_kind, link.record_id, link.from_key))
            phone = batch.rows.get((link.to_kind, link.record_id, link.to_key))
            if person is not None and phone is not None and phone.values.get("phone_number"):
                users.setdefault(str(phone.values["phone_number"]), []).append((person, phone))
        return users

    def _elsewhere(
        self, batch: _Records, mine: dict[str, list[tuple[str, VisibleRow]]]
    ) -> list[int]:
        """Records outside the batch where someone other than the number's users in the batch
        uses one of its numbers. Most are the same person's other records (a prolific
        offender's phone is in a hundred): those are told apart by keys, links and placements
        alone, and only the rest are read — through the Scope — by the caller."""
        held = {row.key for row in batch.rows.values()}
        known = {number: {entity for entity, _ in users} for number, users in mine.items()}
        found = {
            record_id
            for record_id, key, number, user in network_store.phone_users(self.conn, sorted(mine))
            if (record_id, key) not in held and user not in known[number]
        }
        return sorted(found)

    def _phones(self, batch: _Records, around: frozenset[str]) -> list[Tie]:
        """The people `around` and the people in the batch or elsewhere who use one of their
        numbers (a walk steps only from the entities it is around, so only their numbers are
        looked up)."""
        if self.filters.types is not None and "shared-phone" not in self.filters.types:
            return []
        everyone = self._users(batch)
        mine = {
            number: sorted(users, key=lambda user: user[0] not in around)
            for number, users in everyone.items()
            if any(entity in around for entity, _ in users)
        }
        if not mine:
            return []
        elsewhere = self._elsewhere(batch, mine)
        theirs = self._read(elsewhere) if elsewhere else None
        others = self._users(theirs) if theirs else {}
        dates = {**batch.dates, **(theirs.dates if theirs else {})}
        names = {**batch.names, **(theirs.names if theirs else {})}
        ties = []
        for number, users in mine.items():
            pool = [*users, *others.get(number, ())]
            for index, (x, x_phone) in enumerate(users):
                for y, y_phone in pool[index + 1 :]:
                    if x == y or x_phone.record_id == y_phone.record_id:
                        continue
                    when = [*dates.get(x_phone.record_id, ()), *dates.get(y_phone.record_id, ())]
                    evidence = [names[x_phone.record_id], names[y_phone.record_id]]
                    ties.append(_tie(x, y, "shared-phone", evidence, when))
        return ties
