"""A linkage run: people, vehicles and locations resolved into golden entities with stable ids."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import duckdb
from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.linkage import EngineName, duck, review_queue
from polestar.linkage.clusters import Member, assign_ids
from polestar.linkage.locations import link_locations
from polestar.linkage.people import PersonStage, link_people
from polestar.linkage.person_index import save_index
from polestar.linkage.vehicles import link_vehicles
from polestar.settings import Settings
from polestar.store import replaced_rows
from polestar.store.entities import apply_changes, current_members, next_entity_number
from polestar.store.person_joins import replace_joins
from polestar.store.runs import finish_run, start_run
from polestar.store.term_frequencies import replace_term_frequencies

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KindReport:
    """CONVENTIONS of `polestar link --json` for one kind."""

    records: int
    entities: int
    new_entities: int
    changed_entities: int
    pairs_scored: int


@dataclass(frozen=True)
class LinkReport:
    engine: str
    seconds: float
    model_version: int | None
    person: KindReport
    vehicle: KindReport
    location: KindReport
    defaults: list[str]
    review_items: int = 0  # person pairs this run added to the review queue

    def as_dict(self) -> dict[str, object]:
        report = asdict(self)
        del report["defaults"]
        return report


def _place(
    engine: Engine,
    kind: str,
    clusters: list[list[Member]],
    records: int,
    pairs: int,
    run_id: int,
    model_version: int | None,
    evidence: Callable[[Connection], None] | None = None,
) -> KindReport:
    with engine.begin() as conn:
        previous = current_members(conn, kind)
        assignment = assign_ids(kind, clusters, previous, next_entity_number(conn, kind))
        apply_changes(conn, assignment.changes, run_id, model_version)
        if evidence is not None:
            evidence(conn)
    return KindReport(
        records,
        assignment.entities,
        assignment.new_entities,
        assignment.changed_entities,
        pairs,
    )


def link(
    engine: Engine,
    settings: Settings,
    *,
    actor: str,
    retrain: bool = False,
    warn: Callable[[str], None] = logger.warning,
    scoring_engine: EngineName = "duckdb",
) -> LinkReport:
    """Resolve every current person, vehicle and location record into entities.

    Trains the person model only when none is stored or `retrain` is set. Person pairs are
    scored on `scoring_engine` (docs/linkage.md, "Spark engine"). Each kind's new
    assignment is written in one transaction, so a crash leaves the last complete one.
    """
    started = time.perf_counter()
    # Splink logs every parameter it cannot train; the run reports them once, in words.
    logging.getLogger("splink").setLevel(logging.ERROR)
    run_id = start_run(engine, "link", actor)
    with engine.connect() as conn:  # before the rows are read: what they are placed from
        replaced = replaced_rows.every(conn)
    try:
        con = duck.connect(settings)
        try:
            people = link_people(con, engine, settings, run_id, retrain, warn, scoring_engine)
            person = _place(
                engine,
                "person",
                people.clusters,
                people.records,
                people.pairs_scored,
                run_id,
                people.model_version,
                lambda conn: _save_evidence(conn, people, run_id),
            )
            queued = review_queue.queue(engine, "person", people.review, run_id)
            vehicle = _place(engine, "vehicle", *link_vehicles(con, engine), run_id, None)
            location = _place(engine, "location", *link_locations(con, engine), run_id, None)
            if replaced:
                with engine.begin() as conn:
                    replaced_rows.forget(conn, replaced)
        finally:
            con.close()
    except BaseException:
        finish_run(engine, run_id, "failed", {})
        _record_combination(engine, settings, actor, run_id, "failed", {})
        with duck.memory_explained(settings, "run `polestar link` again"):
            raise  # as it was, or as `OutOfMemory`
    report = LinkReport(
        scoring_engine,
        round(time.perf_counter() - started, 3),
        people.model_version,
        person,
        vehicle,
        location,
        people.defaults,
        queued,
    )
    finish_run(engine, run_id, "completed", report.as_dict())
    _record_combination(engine, settings, actor, run_id, "completed", report.as_dict())
    # The incremental matcher's index as this run left it, so the ingests that follow load it
    # instead of each building it. A cache: the run stands without it. Written once the run is
    # recorded complete (the file names it), and counted in the seconds returned: they are
    # the whole of what linking took, as `link --json` reports it.
    try:
        save_index(engine, settings)
    except (OSError, duckdb.Error) as exc:
        warn(f"the incremental index was not saved ({exc}); the next ingest will build it")
    return replace(report, seconds=round(time.perf_counter() - started, 3))


def _save_evidence(conn: Connection, people: PersonStage, run_id: int) -> None:
    """The joins and term frequencies behind the person placement, in its transaction."""
    replace_joins(conn, people.joins, run_id, people.model_version)
    if people.model_version is not None:
        replace_term_frequencies(conn, people.term_frequencies, run_id, people.model_version)


def _record_combination(
    engine: Engine,
    settings: Settings,
    actor: str,
    run_id: int,
    status: str,
    report: dict[str, object],
) -> None:
    """One audit entry per run, even when nothing changed (CONVENTIONS.md). Linking is
    combination under s.62; every placement it wrote carries the run, so the entry names the
    run rather than listing records."""
    audit.record(
        engine,
        audit.Combination(
            action="link", actor=actor, run_id=run_id, details={"status": status, **report}
        ),
        settings,
    )
