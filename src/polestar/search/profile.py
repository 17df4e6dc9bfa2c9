"""The person view: one golden person entity as one viewer may see it, audited in the same call.

The first consumer of the Viewer chokepoint (issue 4). `person_view` builds the viewer's
Scope, reads only the rows it shows (already redacted by the store), derives every value —
names, dates of birth, identifiers, addresses, markers, source counts, last seen — from those
rows alone, and records the consultation. An entity none of whose records are visible is
`NotFound`, worded exactly as an id that never existed, so nothing reveals that it does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.access import Viewer, scope_for
from polestar.errors import NotFound, PolestarError
from polestar.pole.vocabularies import MARKER_LABELS, Kind, Role, WarningMarker
from polestar.settings import Settings
from polestar.store import persons as person_store
from polestar.store.visible import VisibleRow

ACTION = "person.show"
IDENTIFIERS = ("pnc_id", "cro_number", "ni_number", "crn", "driving_licence")
_ENTITY_ID = re.compile(r"^[A-Z]{3}-[0-9]{1,12}$")
_MARKER_ORDER = {marker.value: index for index, marker in enumerate(WarningMarker)}


def not_found(entity_id: str) -> NotFound:
    """The one answer for an unknown id and an invisible entity alike."""
    return NotFound(f"no person {entity_id!r}")


@dataclass(frozen=True)
class Sourced:
    """A value and the records (`SOURCE:KEY`) that hold it."""

    value: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "sources": list(self.sources)}


@dataclass(frozen=True)
class PersonView:
    """A person entity built from the records one viewer may see.

    `records`, `names` and `dates_of_birth` are the contract of `person show --json`; later
    issues add fields, never remove these. `withheld` lists what a justification would add
    (category slugs, `person.field` names): the same for every entity, so it reveals nothing.
    """

    entity_id: str
    display_name: str | None
    markers: list[dict[str, Any]]
    names: list[Sourced]
    dates_of_birth: list[Sourced]
    records: list[str]
    aliases: list[Sourced] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    flags: list[Sourced] = field(default_factory=list)
    addresses: list[Sourced] = field(default_factory=list)
    source_counts: dict[str, int] = field(default_factory=dict)
    last_seen: datetime | None = None
    withheld: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `person show --json` and `GET /api/v1/persons/{entity_id}`."""
        return {
            "entity_id": self.entity_id,
            "display_name": self.display_name,
            "markers": self.markers,
            "names": [item.as_dict() for item in self.names],
            "dates_of_birth": [item.as_dict() for item in self.dates_of_birth],
            "records": self.records,
            "aliases": [item.as_dict() for item in self.aliases],
            "identifiers": self.identifiers,
            "flags": [item.as_dict() for item in self.flags],
            "addresses": [item.as_dict() for item in self.addresses],
            "source_counts": self.source_counts,
            "last_seen": None if self.last_seen is None else self.last_seen.isoformat(),
            "withheld": self.withheld,
        }


def _collect(pairs: Iterable[tuple[str | None, str]]) -> list[Sourced]:
    """Group (value, record) pairs by value: most-attested first, then alphabetically."""
    found: dict[str, list[str]] = {}
    for value, record in pairs:
        if value:
            records = found.setdefault(value, [])
            if record not in records:
                records.append(record)
    ordered = sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
    return [Sourced(value, tuple(records)) for value, records in ordered]


def _full_name(values: Mapping[str, Any]) -> str | None:
    parts = [values.get(name) for name in ("forename", "middle_names", "surname")]
    return " ".join(part for part in parts if part) or None


def _aliases(row: VisibleRow) -> Iterable[tuple[str | None, str]]:
    for alias in row.values.get("aliases") or ():
        if isinstance(alias, Mapping):
            yield _full_name(alias), row.name


def _markers(people: list[VisibleRow]) -> list[dict[str, Any]]:
    """Warning markers by code, in the PNC's order, with their dates and records."""
    found: dict[str, dict[str, Any]] = {}
    for row in people:
        for marker in row.values.get("markers") or ():
            code = str(marker.get("code"))
            item = found.setdefault(
                code,
                {
                    "code": code,
                    "label": MARKER_LABELS.get(WarningMarker(code), code)
                    if code in _MARKER_ORDER
                    else code,
                    "dates": [],
                    "sources": [],
                },
            )
            if marker.get("date") and marker["date"] not in item["dates"]:
                item["dates"].append(marker["date"])
            if row.name not in item["sources"]:
                item["sources"].append(row.name)
    for item in found.values():
        item["dates"].sort()
    return sorted(found.values(), key=lambda item: _MARKER_ORDER.get(item["code"], 99))


def _address(values: Mapping[str, Any]) -> str | None:
    parts = [*(values.get("lines") or ()), values.get("town"), values.get("postcode")]
    return ", ".join(str(part) for part in parts if part) or None


def _last_seen(events: list[VisibleRow]) -> datetime | None:
    times = [e.values["occurred_at"] for e in events if e.values.get("occurred_at") is not None]
    if not times:
        return None
    latest: datetime = max(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
    return latest.astimezone(UTC)


def _view(
    entity_id: str,
    people: list[VisibleRow],
    addresses: list[VisibleRow],
    events: list[VisibleRow],
    withheld: Iterable[str],
) -> PersonView:
    names = _collect((_full_name(row.values), row.name) for row in people)
    dob = (row.values.get("dob") for row in people)
    identifiers = [
        {"type": name, **item.as_dict()}
        for name in IDENTIFIERS
        for item in _collect((row.values.get(name), row.name) for row in people)
    ]
    flags = _collect(
        (flag if row.values.get(flag) else None, row.name)
        for row in people
        for flag in ("wanted", "missing")
    )
    records = list(dict.fromkeys(row.name for row in people))
    return PersonView(
        entity_id=entity_id,
        display_name=names[0].value if names else None,
        markers=_markers(people),
        names=names,
        dates_of_birth=_collect(
            (None if day is None else day.isoformat(), row.name)
            for day, row in zip(dob, people, strict=True)
        ),
        records=records,
        aliases=_collect(pair for row in people for pair in _aliases(row)),
        identifiers=identifiers,
        flags=flags,
        addresses=_collect((_address(row.values), row.name) for row in addresses),
        source_counts=dict(sorted(Counter(name.partition(":")[0] for name in records).items())),
        last_seen=_last_seen(events),
        withheld=sorted(withheld),
    )


def person_view(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    entity_id: str,
    now: datetime | None = None,
) -> PersonView:
    """One person entity as `viewer` may see it, recorded as a consultation.

    Args:
        entity_id: a person entity id; a retired one resolves to the entity it merged into.
        now: when the lookup happens (agreements' dates, under-18s); the present by default.

    Raises:
        InvalidInput: (422) no purpose, or one the viewer may not state.
        NotFound: (404) no such person, or none of its records is visible to the viewer.
        Both are recorded as denied consultations.
    """
    now = now or datetime.now(UTC)
    requested = entity_id[:64]
    entry = replace(viewer.consultation(ACTION), entity_ids=(requested,), occurred_at=now)
    try:
        with engine.connect() as conn:
            scope = scope_for(
                conn, viewer, now, require_justification=settings.require_justification
            )
            current = (
                person_store.live_person_entity(conn, entity_id)
                if _ENTITY_ID.match(entity_id)
                else None
            )
            people = [] if current is None else person_store.entity_persons(conn, scope, current)
            if current is None or not people:
                raise not_found(requested)
            addresses = person_store.linked_from(
                conn, scope, Kind.LOCATION, people, {Role.RESIDES_AT.value}
            )
            events = person_store.linked_from(conn, scope, Kind.EVENT, people)
    except PolestarError as exc:
        refusal = {"status": exc.status, "reason": type(exc).__name__}
        audit.record(engine, replace(entry, details=refusal).denied(), settings)
        raise
    view = _view(current, people, addresses, events, scope.withheld)
    details: dict[str, Any] = {"requested": requested} if current != requested else {}
    audit.record(
        engine,
        replace(
            entry,
            entity_ids=(current,),
            record_ids=tuple(view.records),
            details={**details, "withheld": view.withheld},
        ),
        settings,
    )
    return view
