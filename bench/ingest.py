"""Benchmark `polestar ingest` into SQLite against a plain executemany of the same rows.

Usage: `.venv/bin/python bench/ingest.py [--reuse DIR] [--people N] [--seed S] [--work DIR]`.

1. Generates a synthetic county (`polestar.synth.generate`) unless `--reuse DIR` names one.
   The default, 490,000 people, makes a little over 1,000,000 source records (CSV rows, JSON
   lines and XML cases) in the county's own mix.
2. Runs `polestar ingest --json` on it in a child process, into a fresh SQLite file, and
   measures that process's wall time and peak RSS (from `wait4`, exact, not sampled).
3. Counts the rows written: the rows of every table after the run.
4. The baseline, in another child process: every row of every table read back out of the
   ingested store, a fresh SQLite file given the same schema and indexes
   (`polestar.store.schema.upgrade`, with the store's own PRAGMAs), and the rows inserted
   table by table with `executemany` in one transaction. Only the inserts and the commit are
   timed (rows are read in batches between them, so memory stays small).

Goals: ingest at least 0.2x the baseline's rows/s, at least 20,000 rows written/s, and a peak
RSS of the ingest process of at most 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_RATIO = 0.2
GOAL_ROWS_PER_SECOND = 20_000
GOAL_PEAK_RSS = 2 * 2**30
BATCH = 20_000
NEVER_INGESTED = {"truth.csv", "county.geojson"}


def generate_county(out: Path, people: int, seed: int) -> dict[str, int]:
    """Wait for the generator to be importable (it may still be being written), then run it."""
    while True:
        try:
            from polestar.synth import generate

            break
        except ImportError as exc:
            print(f"waiting for polestar.synth.generate ({exc})", file=sys.stderr)
            time.sleep(30)
    return generate(out, people=people, seed=seed)


def run_ingest(county: Path, database: Path) -> tuple[dict[str, object], float, float, int]:
    """Ingest in a child process; its report, wall and CPU seconds, and peak RSS in bytes."""
    env = {**os.environ, "POLESTAR_DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-c", "from polestar.cli import main; main()"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [*command, "ingest", "--json", str(county)], env=env, stdout=out, stderr=err
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"ingest failed ({child.returncode}): {err.read().decode()[-2000:]}")
        report: dict[str, object] = json.loads(out.read())
    cpu = usage.ru_utime + usage.ru_stime
    return report, wall, cpu, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def count_rows(database: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(database) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in names
        }


def baseline(source: Path, target: Path) -> None:
    """Child process: copy every row of `source` into a fresh store at `target`; prints JSON."""
    import sqlite3

    import sqlalchemy as sa

    from polestar.store.engine import create_engine
    from polestar.store.schema import upgrade

    engine = create_engine(f"sqlite:///{target}")
    upgrade(engine)
    tables = sa.MetaData()
    tables.reflect(engine)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    raw = engine.raw_connection()
    cursor = raw.cursor()
    # `upgrade` seeds some tables (the shipped organisations): emptied, untimed, so the copy
    # inserts exactly the rows the ingested store holds.
    for table in reversed(tables.sorted_tables):
        if table.name != "alembic_version":
            cursor.execute(f'DELETE FROM "{table.name}"')  # noqa: S608
    timed = 0.0
    rows = 0
    for table in tables.sorted_tables:
        if table.name == "alembic_version":
            continue  # upgrade wrote it
        columns = ", ".join(f'"{column.name}"' for column in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        insert = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'  # noqa: S608
        found = reader.execute(f'SELECT {columns} FROM "{table.name}"')  # noqa: S608
        while batch := found.fetchmany(BATCH):
            started = time.perf_counter()
            cursor.executemany(insert, batch)
            timed += time.perf_counter() - started
            rows += len(batch)
    started = time.perf_counter()
    raw.commit()
    timed += time.perf_counter() - started
    raw.close()
    print(json.dumps({"rows": rows, "seconds": timed}))


def run_baseline(source: Path, target: Path) -> tuple[int, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--baseline-of", str(source), str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(result.stdout)
    return int(found["rows"]), float(found["seconds"])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", type=Path, help="an already generated county to ingest")
    parser.add_argument("--people", type=int, default=490_000, help="true identities")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for the county and databases")
    parser.add_argument("--baseline-of", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_of:
        baseline(*args.baseline_of)
        return
    with tempfile.TemporaryDirectory(prefix="polestar-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        county = args.reuse
        if county is None:
            county = work / "county"
            started = time.perf_counter()
            counts = generate_county(county, args.people, args.seed)
            print(
                f"generated {args.people:,} people (seed {args.seed}) in "
                f"{time.perf_counter() - started:,.0f} s: "
                + ", ".join(
                    f"{name[5:]} {count:,}"
                    for name, count in counts.items()
                    if name.startswith("file:") and name[5:] not in NEVER_INGESTED
                )
            )
        database, copy = work / "ingest.db", work / "baseline.db"
        for path in [database, copy]:
            for stale in path.parent.glob(f"{path.name}*"):
                stale.unlink()
        report, wall, cpu, peak_rss = run_ingest(county, database)
        total = report["total"]
        assert isinstance(total, dict)
        records = int(total["read"])
        tables = count_rows(database)
        written = sum(tables.values())
        base_rows, base_seconds = run_baseline(database, copy)
        ingest_rate, base_rate = written / wall, base_rows / base_seconds
        ratio = ingest_rate / base_rate
        print(f"county: {county}")
        print(f"source records: {records:,} ({json.dumps(total)})")
        print(f"ingest wall time: {wall:,.1f} s (child process, start-up included)")
        print(f"ingest CPU time: {cpu:,.1f} s (user + system; wall time counts other load)")
        print(f"source records/s: {records / wall:,.0f}")
        print(f"rows written: {written:,} ({', '.join(f'{k} {v:,}' for k, v in tables.items())})")
        print(f"rows written/s: {ingest_rate:,.0f}")
        print(f"rows per record: {written / records:.2f}")
        print(f"peak RSS of the ingest process: {peak_rss / 2**20:,.0f} MiB")
        print(f"baseline: {base_rows:,} rows in {base_seconds:,.1f} s = {base_rate:,.0f} rows/s")
        print(f"ingest rows/s / baseline rows/s: {ratio:.3f}")
        print(f"goal >= {GOAL_RATIO}x baseline: {verdict(ratio >= GOAL_RATIO)}")
        print(
            f"goal >= {GOAL_ROWS_PER_SECOND:,} rows written/s: "
            f"{verdict(ingest_rate >= GOAL_ROWS_PER_SECOND)}"
        )
        print(f"goal peak RSS <= 2 GiB: {verdict(peak_rss <= GOAL_PEAK_RSS)}")
        if records < 1_000_000:
            print(f"note: {records:,} source records, under the 1,000,000 of the full benchmark")


if __name__ == "__main__":
    main()
