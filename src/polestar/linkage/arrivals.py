"""Linking records as they arrive: the service ingest's chunk hook, `link --incremental` and
the duplicate warning at entry call.

`Arrivals` holds the warm indexes (people by blocking key and score, vehicles and locations by
key) for as long as records keep arriving; each call places the given source records' rows
that no entity holds yet, or (an ingest's changed records) all of them anew. The whole session
is one run in the store and one combination entry in the audit trail, as a batch run is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from types import TracebackType

from sqlalchemy.engine import Engine

from polestar import audit
from polestar.linkage import duck
from polestar.linkage.incremental import Assigned, Candidate, assign_people
from polestar.linkage.keyed import KINDS, KeyIndex
from polestar.linkage.one_record import OneRecord
from polestar.linkage.person_index import PersonIndex, open_index
from polestar.settings import Settings
from polestar.store import replaced_rows
from polestar.store.bulk import chunks
from polestar.store.link_models import latest_model
from polestar.store.linkable import unplaced_record_ids
from polestar.store.runs import finish_run, last_completed_run, start_run

logger = logging.getLogger(__name__)

COMMAND = "link-incremental"
# Source records placed at once by `link --incremental` (an ingest hands over batches of its
# own size: `cli/linking.HAND_OVER`). Each placement has a fixed cost (DuckDB joins over the
# whole index, the store's writes); at a million records 5,000-record chunks ran at 1,540
# person records/s, 20,000-record ones at 2,711.
CHUNK = 20_000
# What to run once DuckDB may use more memory: records left unplaced are placed by it.
_THEN = "run `polestar link --incremental`"


@dataclass
class ArrivalsReport:
    """What a session placed (`polestar link --incremental --json` prints it)."""

    engine: str = "incremental"
    seconds: float = 0.0
    model_version: int | None = None
    person: dict[str, int] = field(default_factory=dict)
    vehicle: int = 0
    location: int = 0
    # Source records of people placed on arrival since the last batch run, this session's
    # included (`records`), and of every person the index holds (`of`).
    since_batch: dict[str, int] = field(default_factory=dict)


class Arrivals:
    """A session of incremental linkage; use as a context manager."""

    def __init__(self, engine: Engine, settings: Settings, index: PersonIndex, actor: str) -> None:
        self.engine, self.settings, self.index, self.actor = engine, settings, index, actor
        self.keyed = {kind: KeyIndex(index.con, engine, kind, index.run_id) for kind in KINDS}
        self.run_id = start_run(engine, COMMAND, actor)
        self.people = Assigned()
        self.placed = {"vehicle": 0, "location": 0}
        self.one_record: OneRecord | None = None
        self.started = time.perf_counter()
        self.ended: ArrivalsReport | None = None

    def assign(self, record_ids: Sequence[int], *, changed: bool = False) -> list[int]:
        """Place every unplaced person, vehicle and location row of these source records, and
        with `changed` (an ingest's new and changed records) every row anew, noting it
        of those that awaited it (`store.replaced_rows`); returns the source records to index
        for search again: these, and any other that changed entity (a changed record left an
        entity, and what stayed lost its id)."""
        if self.one_record is not None:  # its placements into the index, then rebuilt if needed
            self.one_record.flush()
            self.one_record.close()
            self.one_record = None
        awaiting: replaced_rows.Entries = {}
        if changed:  # read before the rows are
            with self.engine.connect() as conn:
                awaiting = replaced_rows.awaiting(conn, record_ids)
        with duck.memory_explained(self.settings, _THEN):
            people = assign_people(
                self.engine,
                self.settings,
                self.index,
                record_ids,
                self.run_id,
                "anew" if changed else "skip",
            )
            self.people.add(people)
            moved = set(people.others_moved or ())
            self.index.since_batch.update(moved)  # they changed entity: placed anew
            for kind, keyed in self.keyed.items():
                placed, others = keyed.assign(self.engine, record_ids, self.run_id, anew=changed)
                self.placed[kind] += placed
                moved |= others
        if awaiting:  # else no transaction: on SQLite each takes the store's one writer
            with self.engine.begin() as conn:
                replaced_rows.placed(conn, awaiting, self.run_id)
        return sorted({*record_ids, *moved})

    def check_person(self, record_id: int) -> dict[str, list[Candidate]]:
        """The duplicate warning at entry: place one new record's people and return, for each,
        the existing records it may duplicate with their probabilities."""
        found = self.warm().place(self.engine, self.settings, record_id, self.run_id)
        self.people.add(found)
        return found.candidates or {}

    def warm(self) -> OneRecord:
        """The duplicate check, ready: built on first use (ingest never needs it), or ahead of
        the first record by a service that will check one record at a time."""
        if self.one_record is None:
            self.one_record = OneRecord(self.index)
        return self.one_record

    def report(self) -> ArrivalsReport:
        """What the session placed; once it has ended, what it had placed by then."""
        if self.ended is not None:
            return self.ended
        people = asdict(self.people)
        del people["candidates"], people["others_moved"]
        return ArrivalsReport(
            seconds=round(time.perf_counter() - self.started, 3),
            model_version=self.index.model_version,
            person=people,
            vehicle=self.placed["vehicle"],
            location=self.placed["location"],
            since_batch={
                "records": len(self.index.since_batch),
                "of": self.index.person_records(),
            },
        )

    def __enter__(self) -> Arrivals:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        status = "failed" if kind is not None else "completed"
        self.ended = self.report()
        report = asdict(self.ended)
        finish_run(self.engine, self.run_id, status, report)
        audit.record(
            self.engine,
            audit.Combination(
                action="link.incremental",
                actor=self.actor,
                run_id=self.run_id,
                details={"status": status, **report},
            ),
            self.settings,
        )
        if self.one_record is not None:
            self.one_record.close()
        self.index.close()


def batch_due(report: ArrivalsReport, settings: Settings) -> str | None:
    """A reminder that a batch `polestar link` is due, once the people placed on arrival since
    the last one pass `Settings.link_batch_due_share` of all: they were scored with that run's
    term frequencies, only a batch run queues their uncertain pairs for review, and every
    linking process catches up with them when it starts (docs/linkage.md)."""
    placed, held = report.since_batch.get("records", 0), report.since_batch.get("of", 0)
    due = settings.link_batch_due_share
    if not due or not held or placed < due * held:
        return None
    return (
        f"{placed:,} of {held:,} person records ({placed / held:.0%}) were placed on arrival "
        "since the last batch run, which linkage on arrival works against: run `polestar link` "
        "(each ingest's linking catches up with all placed since, and only a batch run counts "
        "their names and queues their uncertain pairs for review)"
    )


def linking_on_arrival(engine: Engine) -> bool:
    """Whether arriving records are linked: once a batch run has completed with a person model
    (what `start_arrivals` opens an index for), without opening one."""
    with engine.connect() as conn:
        return (
            latest_model(conn, "person") is not None
            and last_completed_run(conn, "link") is not None
        )


def start_arrivals(engine: Engine, settings: Settings, actor: str) -> Arrivals | None:
    """A session of incremental linkage, or None until a batch run has placed people."""
    with duck.memory_explained(settings, _THEN):
        index = open_index(engine, settings)
    return None if index is None else Arrivals(engine, settings, index, actor)


def link_unplaced(
    engine: Engine, settings: Settings, actor: str, chunk: int = CHUNK
) -> ArrivalsReport | None:
    """`polestar link --incremental`: place anew every record whose rows an ingest replaced
    but did not hand over to be placed (`store.replaced_rows`), then every record no entity
    holds yet, in chunks."""
    arrivals = start_arrivals(engine, settings, actor)
    if arrivals is None:
        return None
    with arrivals:
        with engine.connect() as conn:
            replaced = sorted(replaced_rows.awaiting(conn))
            unplaced = sorted(
                {
                    rid
                    for kind in ("person", "vehicle", "location")
                    for rid in unplaced_record_ids(conn, kind)
                }
                - set(replaced)
            )
        for record_ids, changed in ((replaced, True), (unplaced, False)):
            for records in chunks(record_ids, chunk):
                arrivals.assign(records, changed=changed)
    return arrivals.report()
