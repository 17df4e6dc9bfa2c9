"""Building the search index: in full after a linkage run, per record as records arrive.

The CLI calls these after linking (ARCHITECTURE.md premise 4: linkage never imports search),
so a record is searchable as soon as its entity is known. The index holds no personal data a
viewer sees: only keys pointing at records and entities, read back through the scope.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from polestar.search.keys import KEYS_VERSION, location_keys, person_keys, vehicle_keys
from polestar.store import search_index
from polestar.store.bulk import chunks
from polestar.store.search_index import Placed


@dataclass(frozen=True)
class IndexReport:
    """What a build wrote."""

    records: int
    keys: int
    seconds: float
    rebuilt: bool = False  # the whole index, not the records that moved

    def __str__(self) -> str:
        done = "rebuilt" if self.rebuilt else "refreshed"
        return (
            f"search index {done}: {self.records:,} records indexed ({self.keys:,} keys) "
            f"in {self.seconds:.1f} s"
        )


def keys_of(row: Placed) -> set[str]:
    """The keys one placed row is indexed under."""
    if row.kind == "person":
        return person_keys(row.values)
    if row.kind == "vehicle":
        return vehicle_keys(row.values)
    return location_keys(row.values)


def _rows(placed: Iterable[Placed], records: set[int]) -> Iterator[tuple[str, str, int]]:
    """Each key of each record once per entity: a record's rows of one entity (a crime's
    scene that is also its victim's home) share keys, which were written once per row, about
    1% of a full build's keys at a million people. Only the current record's keys are held:
    the rows are read in stored-key order, which keeps a record's rows of a kind together
    (at a million people on SQLite, every repeat was caught). A repeat a database's order
    lets through costs a row, not a result: candidates are read as distinct entities."""
    record_id: int | None = None
    written: dict[str, set[str]] = {}  # entity → keys written for the current record
    for row in placed:
        if row.record_id != record_id:
            record_id, written = row.record_id, {}
            records.add(row.record_id)
        keys = keys_of(row)
        held = written.setdefault(row.entity_id, set())
        for key in keys - held:
            yield key, row.entity_id, row.record_id
        held |= keys


def rebuild(engine: Engine) -> IndexReport:
    """Rebuild the whole index from the placed rows, streamed, in one transaction."""
    started = time.perf_counter()
    records: set[int] = set()
    with engine.begin() as conn:
        search_index.clear(conn)
        written = search_index.write_keys(conn, _rows(search_index.all_placed(conn), records))
        search_index.set_keys_version(conn, KEYS_VERSION)
        search_index.restore_indexes(conn)
    with engine.connect() as conn:
        search_index.mark_visible(conn)
    return IndexReport(len(records), written, round(time.perf_counter() - started, 3), True)


def refresh(engine: Engine, record_ids: Sequence[int]) -> IndexReport:
    """Re-index these source records (ingest's chunk hook calls it after incremental linkage
    has placed them), and whole any entity one of them merged others into. Their keys go to
    the small table of recent keys (`merge_if_due` moves them on)."""
    started = time.perf_counter()
    with engine.connect() as conn:
        arrived = search_index.arrived(conn, record_ids)
    # Worked out before writing, so SQLite's one writer is held only to write. Placement may go
    # on in another process meanwhile: a merge it makes after these rows were read leaves some
    # keys under the absorbed id, which the refresh of the batch that merged finds, rewriting
    # the absorbing entity whole (`search_index.arrived`).
    keyed: dict[tuple[int, str], set[str]] = {}
    for row in arrived.rows:
        keys = keys_of(row)  # a set of its own: most records hold one row of an entity
        held = keyed.setdefault((row.record_id, row.entity_id), keys)
        if held is not keys:
            held |= keys
    with engine.connect() as conn:
        staged = search_index.stage_recent(conn, search_index.key_lists(keyed))
        conn.commit()  # temporary tables only: the store's writer is taken below, to write
        with conn.begin():
            search_index.delete_keys(conn, record_ids, arrived)
            written = search_index.write_recent(conn, staged)
    records = {record_id for record_id, _ in keyed}
    return IndexReport(len(records), written, round(time.perf_counter() - started, 3))


def merge_if_due(engine: Engine) -> bool:
    """Merge the recent keys into the full build's once they are a share of them
    (`search_index.MERGE_SHARE`); whether it did. Called when a run of refreshes ends, not
    between them: on SQLite the merge holds the one writer's lock for as long as it takes
    (tens of seconds at a million people), which an ingest still committing would wait out."""
    with engine.begin() as conn:
        due = search_index.recent_due(conn)
        if due:
            search_index.merge_recent(conn)
    return due


# Where more than this share of the placed records is stale, the index is rebuilt rather than
# those records re-indexed: a rebuild writes every key in bulk, its B-trees built once at the
# end, where a refresh stages, deletes and writes record by record.
REBUILD_SHARE = 0.25
# Stale records re-indexed per transaction, so memory stays bounded whatever a run moved (an
# ingest hands over 15,000 source records at a time, `cli.linking.HAND_OVER`).
_REFRESHED = 20_000


def refresh_stale(engine: Engine) -> IndexReport:
    """Re-index every record the index does not hold under its current entity, after a batch
    run or `link --incremental` has placed records in bulk; or rebuild the index whole when it
    is empty, a quarter of the records are stale, or an older Polestar built it (its keys'
    version is not `KEYS_VERSION`). Stable ids leave most records where they were (a second
    run on the same records moves none), so a run pays for what it moved."""
    started = time.perf_counter()
    with engine.connect() as conn:
        outdated = search_index.keys_version(conn) != KEYS_VERSION
        stale = [] if outdated else search_index.stale_record_ids(conn)
        placed = search_index.placed_record_count(conn)
    if outdated or len(stale) > REBUILD_SHARE * placed:
        return rebuild(engine)
    records = keys = 0
    for chunk in chunks(stale, _REFRESHED):
        report = refresh(engine, chunk)
        records, keys = records + report.records, keys + report.keys
    merge_if_due(engine)
    return IndexReport(records, keys, round(time.perf_counter() - started, 3))
