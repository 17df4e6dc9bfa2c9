"""People overruling linkage: merge two person entities, split one, and read the ledger.

A merge or split changes the entities at once, by the stable-id rules of `clusters.py` (a
merge keeps the older id; in a split the part with more records keeps it; every change is
recorded old → new), and leaves record-level constraints that every later run — including
after `--retrain` — respects: a merge makes its records must-link, a split makes every record
it moved cannot-link with every record it left. Each decision is a ledger row and an
Alteration entry in the audit trail, written in one transaction. The CLI, the API and the
later review pages call these same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access.organisations import organisations
from polestar.errors import FieldError, Forbidden, InvalidInput
from polestar.settings import Settings
from polestar.store import decisions as ledger_store
from polestar.store import entities as entity_store
from polestar.store.decisions import CANNOT, MUST, Decision
from polestar.store.entities import MemberKey, entity_number
from polestar.store.runs import finish_run, start_run

KIND = "person"


class UnknownReference(InvalidInput):
    """A name on the command line or in a request that matches nothing: exit 2 on the CLI
    (bad input), 404 over the API."""

    status = 404


@dataclass(frozen=True)
class Reviewer:
    """Who makes a decision: an API user with the `review` scope, or the CLI operator.

    Decisions need no purpose (they show no personal data) but are audited with who, when
    and why; only users of the home force, whose conclusions the entities are, may make them.
    """

    user: str
    organisation: str
    role: str | None = None

    def alteration(self, action: str, reason: str, **fields: Any) -> audit.Alteration:
        """The audit entry of a decision; the reason is free text, kept as its payload."""
        return audit.Alteration(
            action=action,
            actor=self.user,
            organisation=self.organisation,
            role=self.role,
            justification=reason,
            **fields,
        )


def check_reviewer(conn: Connection, reviewer: Reviewer) -> None:
    """Refuse (403) a decision by anyone outside the home force."""
    found = organisations(conn).get(reviewer.organisation)
    if found is None or not found.home:
        raise Forbidden("only the home force's users decide how its records link")


def check_reason(reason: str) -> str:
    """A decision's reason, which the ledger and the audit trail must carry."""
    if not reason.strip():
        raise InvalidInput("give a reason for the decision", [FieldError("reason", "required")])
    return reason.strip()


def live_person(conn: Connection, entity_id: str) -> str:
    """The live person entity `entity_id` names now (a retired id follows its merges)."""
    current = entity_store.resolve(conn, entity_id)
    found = None if current is None else entity_store.entity_kind(conn, current)
    if current is None or found is None:
        raise UnknownReference(f"no entity {entity_id!r}: check the id (PER-…)")
    if found[0] != KIND:
        raise InvalidInput(
            f"{entity_id} is a {found[0]}: only person entities are merged or split "
            "(vehicles and locations are joined by their keys)"
        )
    return current


def names(members: dict[MemberKey, str], keys: Sequence[MemberKey]) -> tuple[str, ...]:
    """`SOURCE:KEY` of each member, for the audit entry."""
    return tuple(dict.fromkeys(f"{members[key]}:{key[1]}" for key in sorted(keys)))


@dataclass(frozen=True)
class Outcome:
    """What a merge or split did: the entity that kept its id, the other, the records moved.

    `record_ids` are the source records whose rows moved: the search index holds their keys
    under the entity they left until the edge refreshes them (`polestar.search.refresh`).
    """

    decision_id: int
    kept: str
    other: str
    moved: int
    record_ids: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "kept": self.kept,
            "other": self.other,
            "moved": self.moved,
        }


def merge(
    engine: Engine,
    settings: Settings,
    reviewer: Reviewer,
    first: str,
    second: str,
    reason: str,
    now: datetime | None = None,
) -> Outcome:
    """Merge two person entities into the older id, now and for every later run.

    Raises:
        UnknownReference: an id that names no entity.
        InvalidInput: the same entity twice, a non-person entity, or no reason.
        Forbidden: a reviewer outside the home force.
    """
    now = now or datetime.now(UTC)
    reason = check_reason(reason)
    with engine.connect() as conn:
        check_reviewer(conn, reviewer)
        ids = [live_person(conn, first), live_person(conn, second)]
    if ids[0] == ids[1]:
        raise InvalidInput(f"{first} and {second} are one entity: merge two different entities")
    keep, retire = sorted(ids, key=entity_number)
    run_id = start_run(engine, "link merge", reviewer.user)
    try:
        with audit.transaction(engine, settings) as conn:
            kept = entity_store.entity_members_of(conn, keep)
            moving = entity_store.entity_members_of(conn, retire)
            members = {**kept, **moving}
            decision_id = ledger_store.record_decision(
                conn,
                kind=KIND,
                decision="merge",
                actor=reviewer.user,
                organisation=reviewer.organisation,
                reason=reason,
                now=now,
                entity_id=keep,
                other_entity_id=retire,
                run_id=run_id,
            )
            entity_store.move_members(conn, KIND, list(moving), retire, keep, "merged", run_id)
            anchor = min(members)
            together = set(members)
            ledger_store.constrain(
                conn,
                decision_id,
                KIND,
                MUST,
                [(anchor, key) for key in sorted(members) if key != anchor],
                members,
                supersede=ledger_store.in_force_between(conn, KIND, CANNOT, together, together),
            )
            audit.record_in(
                conn,
                reviewer.alteration(
                    "link.merge",
                    reason,
                    entity_ids=(keep, retire),
                    record_ids=names(members, list(members)),
                    run_id=run_id,
                    occurred_at=now,
                    details={"decision_id": decision_id, "kept": keep, "retired": retire},
                ),
                settings,
            )
    except BaseException:
        finish_run(engine, run_id, "failed", {})
        raise
    outcome = Outcome(decision_id, keep, retire, len(moving), _source_records(moving))
    finish_run(engine, run_id, "completed", outcome.as_dict())
    return outcome


def _source_records(rows: Iterable[MemberKey]) -> tuple[int, ...]:
    return tuple(sorted({record_id for record_id, _ in rows}))


def _named(
    conn: Connection, members: dict[MemberKey, str], entity_id: str, records: Sequence[str]
) -> set[MemberKey]:
    """The entity's rows that `records` (`SOURCE:KEY`) name; every name must name one."""
    chosen: set[MemberKey] = set()
    problems: list[FieldError] = []
    for name in records:
        source, _, key = name.partition(":")
        if not source or not key:
            problems.append(FieldError("records", f"{name!r} is not SOURCE:KEY"))
            continue
        found = {m for m, s in members.items() if s == source and m[1] == key}
        if not found:
            known = entity_store.person_rows_named(conn, source, key)
            where = f"not in {entity_id}" if known else "not a person record in the store"
            problems.append(FieldError("records", f"{name} is {where}"))
        chosen |= found
    if problems:
        raise InvalidInput(f"cannot split {entity_id}: " + "; ".join(p.message for p in problems))
    return chosen


def split(
    engine: Engine,
    settings: Settings,
    reviewer: Reviewer,
    entity_id: str,
    records: Sequence[str],
    reason: str,
    now: datetime | None = None,
) -> Outcome:
    """Split the named records (`SOURCE:KEY`) out of a person entity, now and for every later
    run. The part with more records keeps the id (on a tie, the part left behind).

    Raises:
        UnknownReference: an id that names no entity.
        InvalidInput: a record not in the entity, all of its records, none, or no reason.
        Forbidden: a reviewer outside the home force.
    """
    now = now or datetime.now(UTC)
    reason = check_reason(reason)
    if not records:
        raise InvalidInput("name the records to split out with --records SOURCE:KEY …")
    with engine.connect() as conn:
        check_reviewer(conn, reviewer)
        current = live_person(conn, entity_id)
        members = entity_store.entity_members_of(conn, current)
        out = _named(conn, members, current, records)
    rest = set(members) - out
    if not rest:
        raise InvalidInput(f"that is every record of {current}: a split must leave some behind")
    moving = rest if len(out) > len(rest) else out
    run_id = start_run(engine, "link split", reviewer.user)
    try:
        with audit.transaction(engine, settings) as conn:
            new = entity_store.new_entity(conn, KIND, run_id)
            decision_id = ledger_store.record_decision(
                conn,
                kind=KIND,
                decision="split",
                actor=reviewer.user,
                organisation=reviewer.organisation,
                reason=reason,
                now=now,
                entity_id=current,
                other_entity_id=new,
                run_id=run_id,
            )
            entity_store.move_members(conn, KIND, sorted(moving), current, new, "split", run_id)
            ledger_store.constrain(
                conn,
                decision_id,
                KIND,
                CANNOT,
                [(a, b) for a in sorted(out) for b in sorted(rest)],
                members,
                supersede=ledger_store.in_force_between(conn, KIND, MUST, out, rest),
            )
            audit.record_in(
                conn,
                reviewer.alteration(
                    "link.split",
                    reason,
                    entity_ids=(current, new),
                    record_ids=names(members, sorted(out)),
                    run_id=run_id,
                    occurred_at=now,
                    details={"decision_id": decision_id, "kept": current, "new": new},
                ),
                settings,
            )
    except BaseException:
        finish_run(engine, run_id, "failed", {})
        raise
    outcome = Outcome(decision_id, current, new, len(moving), _source_records(moving))
    finish_run(engine, run_id, "completed", outcome.as_dict())
    return outcome


def history(
    engine: Engine,
    settings: Settings,
    reviewer: Reviewer,
    entity_id: str,
    now: datetime | None = None,
) -> list[Decision]:
    """Every decision about a person entity or an id merged into it, oldest first; reading the
    ledger (its reasons are free text) is recorded as a consultation.

    Raises:
        UnknownReference: an id that names no entity.
        Forbidden: a reader outside the home force.
    """
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        check_reviewer(conn, reviewer)
        current = live_person(conn, entity_id)
        found = ledger_store.ledger(conn, entity_store.merged_into(conn, current))
    audit.record(
        engine,
        audit.Consultation(
            action="link.history",
            actor=reviewer.user,
            organisation=reviewer.organisation,
            role=reviewer.role,
            entity_ids=(current,),
            occurred_at=now,
            details={"decisions": len(found)},
        ),
        settings,
    )
    return found
