"""Benchmark incremental linkage: the duplicate check at entry, chunked assignment, agreement
with the batch, and the cost of linking an ingest on arrival.

Usage:
  .venv/bin/python bench/incremental.py --store INGESTED.db [--held-out 1000] [--chunked 20000]
      [--chunk 20000] [--changed 20000] [--moved 20]
  .venv/bin/python bench/incremental.py --people N [--reuse DIR] [--repeat K] [--writers]

`--store` takes an ingested SQLite store (for instance the `ingested.db` that
`bench/linkage.py --reuse DIR` leaves), links a copy with a batch `polestar link` of this
code (timed apart; `--linked` skips this for a store already linked), and holds out
`--held-out` source records for the single-record path and `--chunked` for chunked
assignment. The person index is opened on the whole store, then the
held-out records' placements are removed and each is placed again as a new arrival would
be: one record at a time through `Arrivals.check_person`, which scores it against everyone,
returns its candidates and writes its assignment (p50/p95/p99), then the others in chunks of
`--chunk` source records (records/s; `polestar link --incremental` uses 20,000, an ingest
15,000). Agreement: the share of held-out person records that land with exactly the companions
the batch gave them. Then `--changed` other source records are listed as changed records an
ingest never had placed (`store.replaced_rows`, their content as it was) and `polestar link
--incremental` places them anew, as the linking process places an ingest's changed records:
every row out of the indexes, scored against everyone, through the stable-id rules
(records/s; they should land with the companions they had). `--moved N` then corrects one
record of each of the N person entities holding the most records (a record with one person
row, renamed to someone no one else is, its identifiers and date of birth cleared) and places
them anew: each leaves its entity, and what stays of each entity is placed anew whole
(`placement.Placement.rest`), the cost of a correction to a prolific offender's record.

`--people N` generates a county of about N person records (a third as many people, as
`bench/web.py` does), splits each export into its first 90% and last 10% of records, and
times ingesting that last tenth into (a) the linked first part, linking on arrival, and (b)
the same first part unlinked, `--repeat` times each; the ratio of the medians is the cost of
linking on arrival. `--writers` then ingests the delta once more into each, with an audit entry
(what every search and profile writes) due every 100 ms beside it, and prints how long the
entries took: on SQLite they wait for the store's one writer. Goals (issue 5): p95 ≤ 50 ms
against 1,000,000 person records, ≥ 2,000 records/s, agreement ≥ 99%, a 100,000-record delta
into a linked 1,000,000 ≤ 2 × unlinked.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from polestar.settings import Settings

GOAL_P95_MS = 50.0
GOAL_RATE = 2_000
GOAL_AGREEMENT = 0.99
GOAL_DELTA_RATIO = 2.0
CHUNK = 5_000
# How often `--writers` writes an audit entry beside a delta ingest.
WRITER_EVERY = 0.1


def _copy_store(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    # The copy's gigabytes are written back before anything is timed on it, not during.
    os.sync()


def _companions(engine: sa.Engine) -> dict[tuple[int, str], frozenset[tuple[int, str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT record_id, source_key, entity_id FROM entity_members WHERE kind = 'person'"
            )
        ).all()
    by_entity: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for record_id, key, entity in rows:
        by_entity[entity].add((record_id, key))
    return {(record_id, key): frozenset(by_entity[entity]) for record_id, key, entity in rows}


def bench_store(
    store: Path,
    work: Path,
    sizes: tuple[int, int, int, int, int],
    seed: int,
    linked: bool,
) -> None:
    from polestar.linkage.arrivals import start_arrivals
    from polestar.linkage.run import link
    from polestar.settings import Settings
    from polestar.store.engine import create_engine
    from polestar.store.schema import upgrade

    work.mkdir(parents=True, exist_ok=True)
    database = work / "incremental.db"
    _copy_store(store, database)
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=work / "data")
    engine = create_engine(settings=settings)
    upgrade(engine)
    if not linked:
        started = time.perf_counter()
        link(engine, settings, actor="cli:bench", warn=lambda _message: None)
        seconds = time.perf_counter() - started
        print(f"batch link of the copy (not part of the figures): {seconds:.1f} s")
    batch = _companions(engine)
    # The bench's own million-entry answer key, out of the garbage collector's sight: its full
    # collections during the timed work would otherwise be charged to linkage.
    gc.freeze()
    people = len(batch)
    record_ids = sorted({record_id for record_id, _ in batch})
    held_out, chunked, chunk, changed, moved = sizes
    chosen = random.Random(seed).sample(record_ids, held_out + chunked + changed)
    single, chunks = chosen[:held_out], chosen[held_out : held_out + chunked]
    replaced, chosen = chosen[held_out + chunked :], chosen[: held_out + chunked]

    started = time.perf_counter()
    arrivals = start_arrivals(engine, settings, "cli:bench")
    if arrivals is None:
        sys.exit(f"{store} has no batch run: run `polestar link` on it first")
    opened = time.perf_counter() - started
    with engine.begin() as conn:  # the held-out records become new arrivals, with no joins
        for offset in range(0, len(chosen), CHUNK):
            for statement in (
                "DELETE FROM entity_members WHERE kind = 'person' AND record_id IN :ids",
                "DELETE FROM person_joins WHERE record_id IN :ids",
            ):
                conn.execute(
                    sa.text(statement).bindparams(sa.bindparam("ids", expanding=True)),
                    {"ids": chosen[offset : offset + CHUNK]},
                )
    latencies: list[float] = []
    with arrivals:
        started = time.perf_counter()
        arrivals.warm()
        warmed = time.perf_counter() - started
        for record_id in single:
            start = time.perf_counter()
            arrivals.check_person(record_id)
            latencies.append(time.perf_counter() - start)
        assigned_before = arrivals.people.records
        start = time.perf_counter()
        for first in range(0, len(chunks), chunk):
            arrivals.assign(chunks[first : first + chunk])
        chunk_seconds = time.perf_counter() - start
        chunk_records = arrivals.people.records - assigned_before
    gc.unfreeze()
    after = _companions(engine)
    held_out_records = set(chosen)
    held = [key for key in batch if key[0] in held_out_records]
    agree = sum(1 for key in held if after.get(key) == batch[key])

    cuts = statistics.quantiles([s * 1000 for s in latencies], n=100, method="inclusive")
    rate = chunk_records / chunk_seconds if chunk_seconds else 0.0
    print(f"store: {store} ({people:,} person records placed by the batch)")
    print(f"open the person index (build or load, then catch up): {opened:.1f} s")
    print(
        f"warm the duplicate check (compile the model, copy the index for point reads): "
        f"{warmed:.1f} s"
    )
    print(
        f"single record (check_person: score against everyone, candidates, write), "
        f"{len(latencies):,} records: p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, "
        f"p99 {cuts[98]:.1f} ms, max {max(latencies) * 1000:.1f} ms "
        f"(goal p95 ≤ {GOAL_P95_MS:.0f} ms: {'PASS' if cuts[94] <= GOAL_P95_MS else 'FAIL'})"
    )
    print(
        f"chunked assignment: {chunk_records:,} person records from {len(chunks):,} source "
        f"records in chunks of {chunk:,} in {chunk_seconds:.1f} s = {rate:,.0f} records/s "
        f"(goal ≥ {GOAL_RATE:,}: {'PASS' if rate >= GOAL_RATE else 'FAIL'})"
    )
    share = agree / len(held) if held else 1.0
    print(
        f"agreement with the batch: {agree:,} of {len(held):,} held-out person records "
        f"with the same companions = {share:.4f} "
        f"(goal ≥ {GOAL_AGREEMENT}: {'PASS' if share >= GOAL_AGREEMENT else 'FAIL'})"
    )
    if replaced:
        _bench_changed(engine, settings, replaced, batch)
    if moved:
        _bench_moved(engine, settings, moved, set(chosen) | set(replaced))


def _bench_changed(
    engine: sa.Engine,
    settings: Settings,
    replaced: list[int],
    batch: dict[tuple[int, str], frozenset[tuple[int, str]]],
) -> None:
    """Place `replaced` anew as changed records an ingest never had placed, as `link
    --incremental` does (`arrivals.link_unplaced`: a session, then chunks)."""
    from polestar.linkage.arrivals import CHUNK as INCREMENTAL_CHUNK
    from polestar.linkage.arrivals import start_arrivals
    from polestar.store import replaced_rows
    from polestar.store.runs import last_completed_run

    with engine.begin() as conn:
        ingest_run = last_completed_run(conn, "ingest")
        assert ingest_run is not None
        replaced_rows.mark(conn, replaced, ingest_run)
    gc.freeze()
    started = time.perf_counter()
    arrivals = start_arrivals(engine, settings, "cli:bench")
    assert arrivals is not None
    opened = time.perf_counter() - started
    with arrivals:
        started = time.perf_counter()
        for first in range(0, len(replaced), INCREMENTAL_CHUNK):
            arrivals.assign(replaced[first : first + INCREMENTAL_CHUNK], changed=True)
        seconds = time.perf_counter() - started
    gc.unfreeze()
    report = arrivals.report()
    records = report.person["records"]
    after = _companions(engine)
    chosen = set(replaced)
    held = [key for key in batch if key[0] in chosen]
    agree = sum(1 for key in held if after.get(key) == batch[key])
    rate = records / seconds if seconds else 0.0
    print(
        f"changed records placed anew (as link --incremental does; opening its session "
        f"{opened:.1f} s apart): {records:,} person records from {len(replaced):,} source "
        f"records in {seconds:.1f} s = {rate:,.0f} records/s; {report.person['moved']:,} moved, "
        f"{agree / len(held) if held else 1.0:.4f} with the same companions as before"
    )


def _bench_moved(engine: sa.Engine, settings: Settings, count: int, used: set[int]) -> None:
    """Correct one record of each of the `count` largest person entities into someone else,
    and place the corrections anew as `link --incremental` does: what stays of each entity is
    placed anew with them."""
    from polestar.linkage.arrivals import start_arrivals
    from polestar.store import replaced_rows
    from polestar.store.runs import last_completed_run

    companions = _companions(engine)
    rows = Counter(record_id for record_id, _ in companions)  # person rows per source record
    largest = sorted(set(companions.values()), key=len, reverse=True)
    corrected: list[tuple[int, str]] = []  # its one person row
    sizes: list[int] = []
    for members in largest:
        single = sorted(m for m in members if rows[m[0]] == 1 and m[0] not in used)
        if single:
            corrected.append(single[0])
            sizes.append(len(members))
        if len(corrected) == count:
            break
    record_ids = [record_id for record_id, _ in corrected]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE persons SET forename = 'Moved', middle_names = NULL, "
                "surname = 'Qz' || record_id, dob = NULL, pnc_id = NULL, cro_number = NULL, "
                "ni_number = NULL, crn = NULL, driving_licence = NULL, aliases = NULL "
                "WHERE record_id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": record_ids},
        )
        ingest_run = last_completed_run(conn, "ingest")
        assert ingest_run is not None
        replaced_rows.mark(conn, record_ids, ingest_run)
    arrivals = start_arrivals(engine, settings, "cli:bench")
    assert arrivals is not None
    with arrivals:
        started = time.perf_counter()
        placed = arrivals.assign(record_ids, changed=True)  # with what moved besides
        seconds = time.perf_counter() - started
    report = arrivals.report().person
    after = _companions(engine)
    apart = sum(1 for member in corrected if len(after[member]) == 1)
    print(
        f"corrections to the largest entities ({len(corrected)} records, one from each of "
        f"entities of {min(sizes):,} to {max(sizes):,} records, {sum(sizes):,} in all) placed "
        f"anew with what stays of each: {len(placed) - len(record_ids):,} other source records "
        f"placed anew or moved with them, {report['pairs_scored']:,} pairs scored, in "
        f"{seconds:.1f} s; {report['moved']:,} moved, {apart:,} now alone"
    )


def _polestar(database: Path, data: Path, *args: str) -> tuple[float, float]:
    """Run a polestar command on the store; returns its wall and CPU seconds (the CPU of every
    process it waited for: the ingest's reader and its linking process too)."""
    import resource
    import subprocess

    env = {**os.environ, "POLESTAR_DATABASE_URL": f"sqlite:///{database}"}
    env["POLESTAR_DATA_DIR"] = str(data)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "polestar"), *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)


def _writers_beside(database: Path, data: Path, delta: Path) -> list[float]:
    """Ingest the delta while an audit entry, what every search and profile writes, is due every
    `WRITER_EVERY` seconds, each on a thread of its own (one waiting for SQLite's writer does
    not hold back the next); returns each entry's seconds."""
    import threading

    from polestar import audit
    from polestar.settings import Settings
    from polestar.store.engine import create_engine

    settings = Settings(database_url=f"sqlite:///{database}", data_dir=data)
    engine = create_engine(settings=settings)
    took: list[float] = []

    def write() -> None:
        started = time.perf_counter()
        entry = audit.Combination(action="bench.writer", actor="cli:bench", details={})
        audit.record(engine, entry, settings)
        took.append(time.perf_counter() - started)

    write()  # the log's key is made here, not raced for by the ingest
    took.clear()
    ingest = threading.Thread(target=_polestar, args=(database, data, "ingest", str(delta)))
    ingest.start()
    writers: list[threading.Thread] = []
    while ingest.is_alive():
        writers.append(threading.Thread(target=write))
        writers[-1].start()
        time.sleep(WRITER_EVERY)
    for writer in writers:
        writer.join()
    engine.dispose()
    return took


def bench_delta(people: int, work: Path, seed: int, repeat: int, writers: bool) -> None:
    from polestar.synth import generate
    from polestar.synth.split import split_exports

    county, first, delta = work / "county", work / "first", work / "delta"
    if not (county / "truth.csv").exists():
        # About three person records per true identity (CONVENTIONS.md), as bench/web.py.
        generate(county, max(1, people // 3), seed, workers=None)
    if not (delta / "custody.csv").exists():
        split_exports(county, first, delta, 0.1)
    base = work / "first.db"
    if not base.exists():
        _polestar(base, work / "data-base", "ingest", str(first))
    linked = work / "first-linked.db"
    if not linked.exists():
        _copy_store(base, linked)
        _polestar(linked, work / "data-linked", "link")
    trial = work / "trial.db"
    unlinked: list[tuple[float, float]] = []
    linked_runs: list[tuple[float, float]] = []

    def fresh_trial(store: Path, data: Path | None) -> Path:
        """A fresh copy of `store` (and of its data folder, if any) to ingest into."""
        _copy_store(store, trial)
        shutil.rmtree(work / "data-trial", ignore_errors=True)
        if data is not None:
            shutil.copytree(data, work / "data-trial")
        return work / "data-trial"

    # In pairs, each on a fresh copy: one run alone varied by half on this machine.
    for _ in range(repeat):
        unlinked.append(_polestar(trial, fresh_trial(base, None), "ingest", str(delta)))
        data = fresh_trial(linked, work / "data-linked")
        linked_runs.append(_polestar(trial, data, "ingest", str(delta)))
    beside: dict[str, list[float]] = {}
    if writers:  # apart from the timed pairs, which they would slow
        beside["unlinked"] = _writers_beside(trial, fresh_trial(base, None), delta)
        data = fresh_trial(linked, work / "data-linked")
        beside["linked"] = _writers_beside(trial, data, delta)
    delta_records = sum(
        max(0, len(p.read_text(encoding="utf-8").splitlines()) - (p.suffix == ".csv"))
        for p in delta.iterdir()
    )
    from polestar.store.search_index import MERGE_SHARE

    with sqlite3.connect(trial) as conn:
        recent = conn.execute("SELECT count(*) FROM search_keys_recent").fetchone()[0]
        built = conn.execute("SELECT count(*) FROM search_keys").fetchone()[0]
        after = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    with sqlite3.connect(base) as conn:
        before = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    print(
        f"delta ingest: {delta_records:,} source records (the last tenth of each export), "
        f"{after - before:,} person records, into a county of {before:,}"
    )
    medians = []
    for name, runs in (
        ("unlinked store", unlinked),
        ("linked store, linking on arrival", linked_runs),
    ):
        medians.append(statistics.median(wall for wall, _ in runs))
        each = ", ".join(f"{wall:.1f} s ({cpu:.0f} s CPU)" for wall, cpu in runs)
        print(f"  into the {name}: median {medians[-1]:.1f} s; {each}")
    ratio = medians[1] / medians[0]
    print(
        f"  search keys after it: {built:,} built, {recent:,} recent "
        f"(merged into the built ones at {MERGE_SHARE:.0%} of them)"
    )
    print(
        f"  ratio {ratio:.2f} (goal ≤ {GOAL_DELTA_RATIO}: "
        f"{'PASS' if ratio <= GOAL_DELTA_RATIO else 'FAIL'})"
    )
    for name, took in beside.items():
        cuts = statistics.quantiles([s * 1000 for s in took], n=100, method="inclusive")
        print(
            f"  audit entries beside the {name} ingest (one due every "
            f"{WRITER_EVERY * 1000:.0f} ms, {len(took):,}): p50 {cuts[49]:.0f} ms, "
            f"p95 {cuts[94]:.0f} ms, max {max(took) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an ingested SQLite store (linked in a copy)")
    parser.add_argument(
        "--people", type=int, help="person records: generate a county and time a delta ingest"
    )
    parser.add_argument(
        "--linked", action="store_true", help="the --store is already linked: do not link it"
    )
    parser.add_argument("--held-out", type=int, default=1_000)
    parser.add_argument("--chunked", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=20_000, help="source records per chunk")
    parser.add_argument(
        "--changed", type=int, default=0, help="source records placed anew as changed records"
    )
    parser.add_argument(
        "--moved",
        type=int,
        default=0,
        help="records of the largest person entities corrected into someone else, placed anew",
    )
    parser.add_argument("--reuse", type=Path, default=None, help="work folder to keep and reuse")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="delta ingests of each kind (medians compared)"
    )
    parser.add_argument(
        "--writers",
        action="store_true",
        help="one more delta ingest of each kind, timing audit entries written beside it",
    )
    args = parser.parse_args()
    work = args.reuse or Path(__file__).resolve().parent / "out" / "incremental"
    if args.store:
        sizes = (args.held_out, args.chunked, args.chunk, args.changed, args.moved)
        bench_store(args.store, work / "store", sizes, args.seed, args.linked)
    if args.people:
        bench_delta(
            args.people, work / f"delta-{args.people}", args.seed, args.repeat, args.writers
        )
    if not (args.store or args.people):
        parser.error("give --store, --people or both")


if __name__ == "__main__":
    main()
