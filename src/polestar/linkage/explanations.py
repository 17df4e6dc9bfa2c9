"""Why two person records were (or were not) joined: Splink's waterfall, as one viewer may see it.

`explain` follows the person view's pattern (search/profile.py): the viewer's Scope, scoped
reads of the two records (already redacted by the store), the score derived from those rows
alone, and the consultation recorded in the same call. A field the viewer may not see is
missing to the scorer, so its comparison falls in the null level and weighs nothing; a record
the viewer may not see is `NotFound`, worded exactly as one that does not exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access import Viewer, scope_for
from polestar.errors import FieldError, InvalidInput, NotFound, PolestarError
from polestar.linkage.people import PERSON_SCHEMA
from polestar.linkage.waterfall import Candidate, Step, Waterfall, score
from polestar.pole.vocabularies import Kind, Role
from polestar.settings import Settings
from polestar.store import persons as person_store
from polestar.store.decisions import decision_on_pair
from polestar.store.entities import entity_of
from polestar.store.link_models import latest_model
from polestar.store.scope import Scope
from polestar.store.term_frequencies import latest_term_frequencies
from polestar.store.visible import VisibleRow

ACTION = "link.explain"
_PERSON_FIELDS = tuple(
    name for name in PERSON_SCHEMA.names if name not in ("unique_id", "record_id", "source")
)
_NAME_LIMIT = 320  # a source (64) and a key (256)


def not_found(name: str) -> NotFound:
    """The one answer for an unknown record and an invisible one alike."""
    return NotFound(f"no person record {name!r}")


def parse_name(name: str) -> tuple[str, str]:
    """`SOURCE:KEY` (CONVENTIONS.md) as (source, key)."""
    source, colon, key = name.partition(":")
    if not colon or not source or not key:
        raise InvalidInput(
            f"{name!r} is not a record name: write SOURCE:KEY, e.g. custody:CU-000123",
            [FieldError("records", "expected SOURCE:KEY")],
        )
    return source, key


def human_decision(conn: Connection, left: VisibleRow, right: VisibleRow) -> dict[str, Any] | None:
    """The decision people made that holds this pair together or apart, if any:
    `{"decision": "confirm" | "reject" | "merge" | "split", "by", "at", "reason"}`."""
    found = decision_on_pair(
        conn,
        "person",
        (left.record_id, left.source_key),
        (right.record_id, right.source_key),
    )
    if found is None:
        return None
    return {
        "decision": found.decision,
        "by": found.actor,
        "at": found.decided_at.isoformat(),
        "reason": found.reason,
    }


@dataclass(frozen=True)
class ExplainedRecord:
    """One of the two records: its name and the entity it is placed in (None before linking)."""

    record: str
    entity_id: str | None


@dataclass(frozen=True)
class Explanation:
    """The waterfall of the strongest pair of visible rows carrying the two names.

    `as_dict` is the contract of `link explain --json` and `POST /api/v1/explain`.
    """

    records: tuple[ExplainedRecord, ExplainedRecord]
    model_version: int
    waterfall: Waterfall
    decision: dict[str, Any] | None
    withheld: list[str]

    def as_dict(self) -> dict[str, Any]:
        w = self.waterfall
        left, right = self.records
        return {
            "records": [{"record": r.record, "entity_id": r.entity_id} for r in self.records],
            "same_entity": left.entity_id is not None and left.entity_id == right.entity_id,
            "model_version": self.model_version,
            "prior": {"weight": w.prior, "probability": _probability(w.prior)},
            "comparisons": [_step(step) for step in w.steps],
            "match_weight": w.match_weight,
            "match_probability": w.match_probability,
            "decision": self.decision,
            "withheld": self.withheld,
        }


def _probability(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def _step(step: Step) -> dict[str, Any]:
    return {
        "comparison": step.comparison,
        "level": step.level,
        "missing": step.missing,
        "weight": step.weight,
        "tf_weight": step.tf_weight,
        "total": step.total,
        "m_probability": step.m_probability,
        "u_probability": step.u_probability,
    }


def _candidates(conn: Connection, scope: Scope, rows: list[VisibleRow]) -> list[Candidate]:
    """Visible rows of one name as the scorer's input: their visible fields, the visible phones
    they link to, and the visible places (homes, where events they reported happened); a
    hidden one is absent, as in the batch a record without one.

    The rows share a source key, and a key is unique within its source record, so what they
    link to belongs to the row of the same source record: four queries however many rows.
    """
    homes = person_store.linked_from(conn, scope, Kind.LOCATION, rows, {Role.RESIDES_AT.value})
    reported = person_store.report_places(conn, scope, rows)
    phones = person_store.linked_from(conn, scope, Kind.OBJECT, rows, {Role.USES.value})
    places: dict[int, list[dict[str, Any]]] = {}
    for role, found in ((Role.RESIDES_AT, homes), (Role.REPORTER, reported)):
        for place in found:
            places.setdefault(place.record_id, []).append({**place.values, "role": role.value})
    numbers: dict[int, set[str]] = {}
    for phone in phones:
        if phone.values.get("phone_number"):
            numbers.setdefault(phone.record_id, set()).add(phone.values["phone_number"])
    return [
        Candidate(
            {
                **{name: row.values.get(name) for name in _PERSON_FIELDS},
                "record_id": row.record_id,
                "source": row.source,
                "source_key": row.source_key,
            },
            tuple(sorted(numbers.get(row.record_id, ()))),
            tuple(places.get(row.record_id, ())),
        )
        for row in rows
    ]


def explain(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    left: str,
    right: str,
    now: datetime | None = None,
) -> Explanation:
    """Explain the score of two person records (`SOURCE:KEY`) as `viewer` may see them,
    recorded as a consultation.

    A name a records system repeats across its records names several rows; the strongest
    pair of visible rows is explained.

    Raises:
        InvalidInput: (422) a name that is not `SOURCE:KEY`, the same record twice, or no
            purpose (or one the viewer may not state).
        NotFound: (404) no such person record, or one the viewer may not see; or no person
            model yet. All are recorded as denied consultations.
    """
    now = now or datetime.now(UTC)
    names = (left[:_NAME_LIMIT], right[:_NAME_LIMIT])
    entry = replace(viewer.consultation(ACTION), record_ids=names, occurred_at=now)
    try:
        keys = [parse_name(name) for name in names]
        if keys[0] == keys[1]:
            raise InvalidInput(f"{names[0]!r} is named twice: name two different records")
        with engine.connect() as conn:
            scope = scope_for(
                conn, viewer, now, require_justification=settings.require_justification
            )
            sides: list[list[VisibleRow]] = []
            for name, (source, key) in zip(names, keys, strict=True):
                rows = person_store.named_persons(conn, scope, source, key)
                if not rows:
                    raise not_found(name)
                sides.append(rows)
            stored = latest_model(conn, Kind.PERSON.value)
            if stored is None:
                raise NotFound("no person model yet: run `polestar link` first")
            waterfall = score(
                stored.model,
                lambda held: latest_term_frequencies(conn, held),
                _candidates(conn, scope, sides[0]),
                _candidates(conn, scope, sides[1]),
            )
            scored = (sides[0][waterfall.left], sides[1][waterfall.right])
            records = tuple(
                ExplainedRecord(
                    row.name, entity_of(conn, Kind.PERSON.value, row.record_id, row.source_key)
                )
                for row in scored
            )
            decision = human_decision(conn, *scored)
    except PolestarError as exc:
        refusal = {"status": exc.status, "reason": type(exc).__name__}
        audit.record(engine, replace(entry, details=refusal).denied(), settings)
        raise
    explanation = Explanation(
        (records[0], records[1]), stored.version, waterfall, decision, sorted(scope.withheld)
    )
    audit.record(
        engine,
        replace(
            entry,
            entity_ids=tuple(dict.fromkeys(r.entity_id for r in records if r.entity_id)),
            details={"model_version": stored.version, "withheld": explanation.withheld},
        ),
        settings,
    )
    return explanation
