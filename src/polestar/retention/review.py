"""MoPI review: what is due, and retain decisions (each recorded with its reason and audited).

Commands of the local operator (CONVENTIONS.md, "The operator") and of the retention pages:
they take the `audit.Actor` (a page's carries the user's organisation, role and purpose), not
a Viewer, and name entities only by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.errors import InvalidInput
from polestar.retention.groups import GroupRules, default_rules
from polestar.retention.schedule import Schedule, add_years, schedules
from polestar.settings import Settings
from polestar.store import retention as retention_store


def due(
    engine: Engine,
    settings: Settings,
    *,
    actor: audit.Actor,
    today: date | None = None,
    rules: GroupRules | None = None,
) -> list[Schedule]:
    """Person entities whose review is due on or before `today`, the longest overdue first;
    the list is recorded as a consultation of the entities it names."""
    today = today or datetime.now(UTC).date()
    with engine.connect() as conn:
        found = schedules(conn, rules or default_rules())
    listed = sorted(
        (item for item in found.values() if item.due <= today),
        key=lambda item: (item.due, item.entity_id),
    )
    audit.record(
        engine,
        audit.Consultation(
            action="retention.review",
            **actor.entry_fields(),
            entity_ids=tuple(item.entity_id for item in listed),
            in_results=True,
            details={"due_by": today.isoformat(), "due": len(listed)},
        ),
        settings,
    )
    return listed


def required_reason(reason: str | None) -> str:
    """The reason MoPI requires for a retention decision, stripped.

    Raises:
        InvalidInput: none was given.
    """
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("a retention decision needs a reason: give --reason")
    return text


def schedule_of(conn: Connection, entity_id: str, rules: GroupRules) -> Schedule:
    """The schedule of one entity.

    Raises:
        InvalidInput: no such current person entity, or none of its records is the home
            force's with a dated event (there is nothing for MoPI review to decide).
    """
    if not retention_store.is_current_person(conn, entity_id):
        raise InvalidInput(f"{entity_id} is not a current person entity: check the id")
    found = schedules(conn, rules, entity_id).get(entity_id)
    if found is None:
        raise InvalidInput(f"{entity_id} has no dated event in the home force's records to review")
    return found


@dataclass(frozen=True)
class Retained:
    """A retain decision: the entity's group and the review it was pushed to."""

    entity_id: str
    group: int
    next_review: date

    def as_dict(self) -> dict[str, object]:
        return {
            "entity_id": self.entity_id,
            "group": self.group,
            "next_review": self.next_review.isoformat(),
        }


def retain(
    engine: Engine,
    settings: Settings,
    entity_id: str,
    reason: str | None,
    *,
    actor: audit.Actor,
    today: date | None = None,
    rules: GroupRules | None = None,
) -> Retained:
    """Record a decision to retain an entity's records, pushing its next review a full
    period of its group on from today; audited as an alteration, the reason as its payload.

    Raises:
        InvalidInput: no reason, or an entity that cannot be reviewed (`schedule_of`).
    """
    text = required_reason(reason)
    rules = rules or default_rules()
    now = datetime.now(UTC)
    today = today or now.date()
    with audit.transaction(engine, settings) as conn:
        current = schedule_of(conn, entity_id, rules)
        next_review = add_years(today, rules.review_years(current.group))
        retention_store.add_decision(
            conn,
            entity_id=entity_id,
            decision="retain",
            group=current.group,
            reason=text,
            actor=actor.actor,
            at=now,
            next_review=next_review,
        )
        audit.record_in(
            conn,
            audit.Alteration(
                action="retention.retain",
                **actor.entry_fields(),
                justification=text,
                entity_ids=(entity_id,),
                details={"group": current.group, "next_review": next_review.isoformat()},
                occurred_at=now,
            ),
            settings,
        )
    return Retained(entity_id, current.group, next_review)
