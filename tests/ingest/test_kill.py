"""Kill an ingest with SIGKILL at random points, re-run it, and compare the store with one
that had a single uninterrupted run: chunked commits must make the crash invisible.

Each killed ingest runs in a forked process, as `polestar ingest` runs it once started: a fork
starts at once, so no interpreter start-up or imports blur where the kill lands. The kill
points are seeded (`SEED`), as fractions of the time an uninterrupted run takes on this
machine, so they land at comparable places on any machine; each failure message lists them
with how far the killed run had got.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade
from polestar.store.tables import (
    POLE_TABLES,
    field_warnings,
    links,
    quarantine,
    record_versions,
    runs,
    source_records,
)
from tests.conftest import store_url
from tests.ingest.bulk import (
    crime_key,
    crime_lines,
    crime_text,
    custody_key,
    custody_rows,
    custody_text,
    write_lines,
)

SEED = 20_241_122
KILLS = 5
RECORDS = 1_500  # per source, in the first export; the second changes a third and adds more
CHUNK = 50

Store = Callable[..., str]


@dataclass
class KillPoint:
    number: int
    fraction: float
    delay: float
    killed: bool = False  # mid-run: the run it killed never finished
    committed: int = 0  # record versions the killed run had committed

    def __str__(self) -> str:
        state = "killed mid-run" if self.killed else "finished before the kill"
        return (
            f"#{self.number}: {self.delay:.2f}s ({self.fraction:.0%} of a full run), {state}, "
            f"{self.committed} versions committed"
        )


def break_json(line: str) -> str:
    return line[: len(line) // 2]


def write_exports(folder: Path) -> tuple[Path, Path]:
    """Two exports of custody.csv and crime.jsonl: v1, then v2 with a third of the records
    changed, new ones, broken lines fixed and freshly broken, and a repeated key."""
    custody = custody_rows(RECORDS, seed=1)
    crimes = crime_text(crime_lines(RECORDS, seed=2))
    v1_custody, v1_crimes = list(custody), list(crimes)
    for index in range(7, RECORDS, 250):  # broken in v1; the first four are fixed in v2
        v1_custody[index] = v1_custody[index].replace(",", ";", 4)
        v1_crimes[index] = break_json(v1_crimes[index])
    v2_custody = [
        row.replace(",Leek,", ",Uttoxeter,") if index % 3 == 0 else row
        for index, row in enumerate(custody)
    ]
    v2_crimes = [
        line.replace("Under investigation", "Charged") if index % 3 == 1 else line
        for index, line in enumerate(crimes)
    ]
    for index in range(7 + 1000, RECORDS, 250):  # still broken in v2
        v2_custody[index], v2_crimes[index] = v1_custody[index], v1_crimes[index]
    for index in range(120, RECORDS, 400):  # good in v1, broken in v2
        v2_custody[index] = v2_custody[index] + ',"'
        v2_crimes[index] = break_json(v2_crimes[index])
    v2_custody += custody_rows(400, seed=3, first=RECORDS + 1)
    v2_crimes += crime_text(crime_lines(400, seed=4, first=RECORDS + 1))
    v2_custody.insert(900, v2_custody[40].replace("Stafford", "Burton"))  # a repeated key
    v2_crimes.insert(1000, v2_crimes[41])
    v1, v2 = folder / "v1", folder / "v2"
    for path, lines in [
        (v1 / "custody.csv", custody_text(v1_custody)),
        (v1 / "crime.jsonl", v1_crimes),
        (v2 / "custody.csv", custody_text(v2_custody)),
        (v2 / "crime.jsonl", v2_crimes),
    ]:
        path.parent.mkdir(exist_ok=True)
        write_lines(path, lines)
    assert custody_key(RECORDS) in v1_custody[-1]
    assert crime_key(RECORDS) in v1_crimes[-1]
    return v1, v2


@pytest.fixture
def new_store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """Makes further stores of the test's dialect by name, empty or copies of another
    (`tests.conftest.store_url`); they are dropped afterwards."""
    dialect = sa.make_url(database_url).get_backend_name()
    with ExitStack() as stores:

        def make(name: str, copy_of: str | None = None) -> str:
            folder = tmp_path / "stores" / name
            folder.mkdir(parents=True)
            return stores.enter_context(store_url(dialect, folder, copy_of=copy_of))

        yield make


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, data_dir=tmp_path / "data", ingest_chunk_records=CHUNK)


def ingest_in_process(url: str, folder: Path, tmp_path: Path) -> dict[str, int]:
    engine = create_engine(url)
    upgrade(engine)
    report = ingest(engine, plan_inputs([folder]), settings_for(url, tmp_path), actor="cli:test")
    engine.dispose()
    return report.total.as_dict()


def start_ingest(url: str, folder: Path, tmp_path: Path) -> int:
    """Fork a process that ingests `folder` into `url`; returns its pid. It leaves with
    `os._exit`, so nothing it inherited from the test (pools, fixtures) is cleaned up twice."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            ingest_in_process(url, folder, tmp_path)
            status = 0
        finally:
            os._exit(status)
    return pid


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _rows(conn: sa.Connection, table: sa.Table) -> Counter[str]:
    """Every row but surrogate ids, with the source key of its record instead of its id."""
    columns = [c for c in table.columns if c.name not in {"id", "record_id"}]
    query = sa.select(source_records.c.source_key.label("record_key"), *columns).join(
        source_records, source_records.c.id == table.c.record_id
    )
    return Counter(
        json.dumps([_plain(value) for value in row], default=str) for row in conn.execute(query)
    )


def contents(url: str) -> dict[str, Counter[str]]:
    """What the store holds, ignoring surrogate ids, timestamps and run bookkeeping."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {
            "source records": Counter(
                json.dumps(list(row))
                for row in conn.execute(
                    sa.select(
                        source_records.c.source,
                        source_records.c.source_key,
                        source_records.c.current_version,
                        source_records.c.content_hash,
                        source_records.c.withdrawn_run_id.is_(None),
                    )
                )
            ),
            "versions": Counter(
                json.dumps(list(row))
                for row in conn.execute(
                    sa.select(
                        source_records.c.source,
                        source_records.c.source_key,
                        record_versions.c.version,
                        record_versions.c.content_hash,
                        record_versions.c.locator,
                    ).join(source_records, source_records.c.id == record_versions.c.record_id)
                )
            ),
            "quarantine": Counter(
                json.dumps(list(row))
                for row in conn.execute(
                    sa.select(
                        quarantine.c.source,
                        quarantine.c.raw_hash,
                        quarantine.c.reason,
                        quarantine.c.source_key,
                        quarantine.c.locator,
                        quarantine.c.raw_size,
                        quarantine.c.resolved_run_id.is_(None),
                    )
                )
            ),
            "links": _rows(conn, links),
            "field warnings": _rows(conn, field_warnings),
        }
        for kind, table in POLE_TABLES.items():
            found[f"{kind} rows"] = _rows(conn, table)
    engine.dispose()
    return found


def differences(expected: dict[str, Counter[str]], actual: dict[str, Counter[str]]) -> str:
    lines = []
    for name in expected:
        missing, extra = expected[name] - actual[name], actual[name] - expected[name]
        if missing or extra:
            lines.append(f"{name}: {sum(missing.values())} missing, {sum(extra.values())} extra")
            lines += [f"  - {row}" for row in list(missing)[:3]]
            lines += [f"  + {row}" for row in list(extra)[:3]]
    return "\n".join(lines)


def running(url: str) -> tuple[bool, int]:
    """Whether an ingest run is in progress (or was killed), and the versions it committed."""
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(runs.c.id, sa.func.count(record_versions.c.id))
            .join(record_versions, record_versions.c.run_id == runs.c.id, isouter=True)
            .where(runs.c.status == "running")
            .group_by(runs.c.id)
        ).first()
    engine.dispose()
    return (True, int(row[1])) if row else (False, 0)


@pytest.mark.slow
def test_ingest_killed_at_random_points_then_rerun_matches_an_uninterrupted_run(
    database_url: str, new_store: Store, tmp_path: Path
) -> None:
    v1, v2 = write_exports(tmp_path)
    base = new_store("v1")
    ingest_in_process(base, v1, tmp_path)
    reference = new_store("reference", copy_of=base)
    started = time.perf_counter()
    total = ingest_in_process(reference, v2, tmp_path)
    full_run = time.perf_counter() - started
    assert min(total["new"], total["changed"], total["unchanged"], total["quarantined"]) > 0, total
    expected = contents(reference)

    rng = random.Random(SEED)
    points = [KillPoint(n, f := rng.uniform(0.05, 0.95), f * full_run) for n in range(1, KILLS + 1)]
    story = f"seed {SEED}, an uninterrupted run took {full_run:.2f}s; kill points:\n"
    for point in points:
        url = new_store(f"kill{point.number}", copy_of=base)
        pid = start_ingest(url, v2, tmp_path)
        time.sleep(point.delay)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        point.killed, point.committed = running(url)
        rerun = ingest_in_process(url, v2, tmp_path)
        found = contents(url)
        assert found == expected, (
            f"{story}  {point}: the store differs after the re-run ({rerun}):\n"
            f"{differences(expected, found)}"
        )
        story += f"  {point}\n"
    mid_run = [point for point in points if point.killed and point.committed > 0]
    assert len(mid_run) >= 3, f"too few kills landed mid-run to test anything:\n{story}"
