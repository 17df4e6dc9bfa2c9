"""Disposal under MoPI: every copy of a person's home-force records goes; a tombstone stays.

One function per place personal data is copied to, in `PLACES`, run in order inside one
transaction with the tombstones, the decision and the erasure entry; the person index file,
outside the store, is invalidated once that commits. Partners' records of the same entity are
never touched. A record is disposed whole: a home-force record naming other people too (a
crime with its victim) goes with it (docs/retention.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.audit.payloads import blank_payloads_naming
from polestar.errors import InvalidInput
from polestar.linkage.person_index import index_path
from polestar.pole.names import match_key
from polestar.retention.groups import GroupRules, default_rules
from polestar.retention.review import required_reason, schedule_of
from polestar.retention.schedule import partner_sources
from polestar.settings import Settings
from polestar.store import disposal as erase
from polestar.store import retention as retention_store
from polestar.store.runs import finish_run, start_run
from polestar.store.tombstones import Tombstone, add_tombstones

# Term-frequency features that hold name values (linkage.people: fn, sn are match keys).
_NAME_FEATURES = ("fn", "sn")


@dataclass(frozen=True)
class Disposal:
    """What one disposal removes: the home-force records and everything naming them."""

    record_ids: list[int]
    names: list[tuple[str, str]]  # (source, source key) of each record
    identifiers: list[str]  # entity id, SOURCE:KEY of records and placed rows, for the audit
    run_id: int
    at: datetime


Place = Callable[[Connection, Disposal], int]


def _term_frequencies(conn: Connection, disposal: Disposal) -> int:
    keys: set[str] = set()
    for forename, surname in erase.person_names_of(conn, disposal.record_ids):
        for name in (forename, surname):
            if name and any(ch.isalpha() for ch in name):
                keys.add(match_key(name))
    held = erase.names_held_elsewhere(conn, disposal.record_ids, keys)
    return erase.term_frequencies_of(conn, _NAME_FEATURES, keys - held)


# In order: what names a record goes before the record (foreign keys on PostgreSQL).
PLACES: dict[str, Place] = {
    "audit payloads": lambda c, d: blank_payloads_naming(c, d.identifiers, d.at),
    "review items": lambda c, d: erase.review_items_of(c, d.record_ids),
    "link constraints": lambda c, d: erase.link_constraints_of(c, d.record_ids),
    "person joins": lambda c, d: erase.person_joins_of(c, d.record_ids),
    "replaced rows": lambda c, d: erase.replaced_rows_of(c, d.record_ids),
    "search keys": lambda c, d: erase.search_keys_of(c, d.record_ids),
    "term frequencies": _term_frequencies,
    "entity members": lambda c, d: erase.members_of(c, d.record_ids, d.run_id),
    "quarantine": lambda c, d: erase.quarantine_of(c, d.names),
    "typed rows": lambda c, d: erase.typed_rows_of(c, d.record_ids),
    "record versions": lambda c, d: erase.versions_of(c, d.record_ids),
    "source records": lambda c, d: erase.records_of(c, d.record_ids),
}


@dataclass
class Disposed:
    """What a disposal did: the records tombstoned and the rows each place removed."""

    entity_id: str
    run_id: int
    records: list[str]
    removed: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "entity_id": self.entity_id,
            "run_id": self.run_id,
            "records": self.records,
            "removed": self.removed,
        }


def dispose(
    engine: Engine,
    settings: Settings,
    entity_id: str,
    reason: str | None,
    *,
    actor: audit.Actor,
    rules: GroupRules | None = None,
) -> Disposed:
    """Dispose of the home force's records of a person entity.

    Removes every version of each record and every copy of its data (`PLACES`), leaves a
    tombstone per record (source, key, content hash, who, when, why), records the decision
    and one erasure entry, and — on SQLite — vacuums so the bytes leave the file.

    Raises:
        InvalidInput: no reason, an unknown entity, or one with no home-force records.
    """
    text = required_reason(reason)
    rules = rules or default_rules()
    with engine.connect() as conn:
        current = schedule_of(conn, entity_id, rules)
        records = retention_store.home_records(conn, entity_id, partner_sources(conn))
    if not records:
        raise InvalidInput(f"{entity_id} has no home-force records to dispose of")
    run_id = start_run(engine, "retention", actor.actor)
    now = datetime.now(UTC)
    names = [f"{record.source}:{record.source_key}" for record in records]
    result = Disposed(entity_id, run_id, names)
    try:
        with audit.transaction(engine, settings) as conn:
            ids = [record.record_id for record in records]
            target = Disposal(
                ids,
                [(record.source, record.source_key) for record in records],
                [entity_id, *names, *erase.member_names_of(conn, ids)],
                run_id,
                now,
            )
            for place_name, place in PLACES.items():
                result.removed[place_name] = place(conn, target)
            decision_id = retention_store.add_decision(
                conn,
                entity_id=entity_id,
                decision="dispose",
                group=current.group,
                reason=text,
                actor=actor.actor,
                at=now,
            )
            stones = [Tombstone(r.source, r.source_key, r.content_hash) for r in records]
            add_tombstones(
                conn, stones, actor=actor.actor, reason=text, at=now, decision_id=decision_id
            )
            audit.record_in(
                conn,
                audit.Erasure(
                    action="retention.dispose",
                    **actor.entry_fields(),
                    justification=text,
                    entity_ids=(entity_id,),
                    record_ids=tuple(names),
                    run_id=run_id,
                    details={"group": current.group, "removed": result.removed},
                    occurred_at=now,
                ),
                settings,
            )
    except BaseException:
        finish_run(engine, run_id, "failed", {"entity_id": entity_id})
        raise
    finish_run(engine, run_id, "completed", result.as_dict())
    # The matcher's candidate keys are a cache of the store: the next process rebuilds it.
    index_path(settings).unlink(missing_ok=True)
    _reclaim(engine)
    return result


def _reclaim(engine: Engine) -> None:
    """Rewrite the SQLite file so deleted pages (which still hold the data) are gone.

    VACUUM rather than `secure_delete`: the pragma would have to be on in every connection
    that ever deleted, and it leaves the WAL and freelist pages to chance; a VACUUM after a
    disposal (rare, deliberate) is one full rewrite with nothing left behind. PostgreSQL's
    dead tuples are reclaimed by autovacuum.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
