"""Benchmark search: latency and recall through the service the API calls, against the raw
floors of PostgreSQL pg_trgm and SQLite FTS5 trigram on the same names.

Usage:
  .venv/bin/python bench/search.py [--reuse DIR] [--work DIR] [--queries 500] [--rebuild]
  scripts/with-postgres .venv/bin/python bench/search.py --reuse DIR --postgres

`--reuse DIR` takes a bench folder holding `county/` (with `truth.csv`) and `ingested.db` (an
ingested, never linked SQLite store), as `bench/linkage.py --reuse` leaves them; default
`/work/benchdata/100000`. The SQLite run copies `ingested.db` into the work folder
(`bench/out/search/`), links it with `polestar link` (which builds the search index) and keeps
it: a later run reuses the linked copy. Each run brings the index up to date as `polestar
link` does after a run (`search.refresh_stale`: nothing to do on a copy left as it was);
`--rebuild` rebuilds it whole first and prints how long that took. `--postgres` also (or
with `--only-postgres`, only) runs on PostgreSQL: the county is ingested into a new database
of the cluster named by `POLESTAR_TEST_POSTGRES_URL` (what `scripts/with-postgres` exports),
linked and indexed. At a million people give that cluster the memory a production server
would have (PostgreSQL's default shared_buffers is 128 MB; the search index alone is several
GB):
`POLESTAR_PG_OPTIONS="-c shared_buffers=6GB -c effective_cache_size=16GB" scripts/with-postgres …`.
`--postgres-url URL` searches a database of the same county that `polestar ingest` and
`polestar link` already made, instead (it is kept).

Queries (fixed seed, from the generator's truth, `polestar.synth.queries`): 70% names —
misspelt, nicknamed, surname first, initialled, half a double-barrelled surname, a third with
the date of birth — and 15% each partial plates and postcodes (5 characters or more). Each
runs warm (50 untimed queries first, after the store is read through: on SQLite its file, as
bench/web.py does; on PostgreSQL its tables and indexes, by `pg_prewarm`) as a home-force
analyst (justified: sees every record) and as a partner caseworker, timed through
`polestar.search.search` (audit entry included), then over HTTP against a real `polestar serve`
on loopback. Recall: the true entity in the top 10 and at rank 1, counted for
the partner against what the partner may see; a target the partner may not see must never
surface. Each recall is printed with its ceiling: among true identities a query's words fit
alike (namesakes; every address a postcode fragment starts), a ranking that cannot tell them
apart puts its target first 1 time in that many on average (`Truth.alike`). Profile latency:
`person_view` of each name query's top result. The floors run the name queries' names alone:
pg_trgm `%` with `ORDER BY similarity LIMIT 20` on a GIN index, FTS5 `trigram` with the query's
trigrams ORed, ranked by bm25, LIMIT 20.

Goals (issue 6, at 1,000,000 person records on 2 cores): p95 ≤ 50 ms in-process and ≤ 100 ms
over HTTP; names top 10 ≥ 95% and rank 1 ≥ 80%; fragments in the top 10; profile p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the recall helpers and the test server live in tests/

from tests.e2e.servers import serving  # noqa: E402
from tests.search.recall import Truth, load  # noqa: E402

from polestar.access import scope_for, viewer_for  # noqa: E402
from polestar.access.demo import demo_users  # noqa: E402
from polestar.search import rebuild, refresh_stale, search  # noqa: E402
from polestar.search.profile import person_view  # noqa: E402
from polestar.settings import Settings  # noqa: E402
from polestar.store.engine import create_engine  # noqa: E402
from polestar.store.schema import upgrade  # noqa: E402
from polestar.store.search_index import entity_rows  # noqa: E402
from polestar.store.tables import search_key_tables  # noqa: E402
from polestar.synth.queries import Sought  # noqa: E402
from web import read_through  # noqa: E402  (bench/web.py, beside this script)

DEFAULT_REUSE = Path("/work/benchdata/100000")
DEFAULT_WORK = ROOT / "bench" / "out" / "search"
ACTOR = "cli:bench"
SEED = 7
ANALYST = ("home-analyst", "investigation", "benchmark")
PARTNER = ("probation-caseworker", "offender-management", None)
GOAL_P95_MS, GOAL_HTTP_P95_MS, GOAL_PROFILE_P95_MS = 50.0, 100.0, 100.0
GOAL_TOP10, GOAL_TOP1 = 0.95, 0.80
_DATES = re.compile(r"\s*(\d{1,2}/\d{1,2}/\d{4}|\d{4})\s*")


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _polestar(env: dict[str, str], *argv: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("polestar")), *argv],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _env(settings: Settings) -> dict[str, str]:
    return {
        "POLESTAR_DATABASE_URL": str(settings.database_url),
        "POLESTAR_DATA_DIR": str(settings.data_dir),
    }


def sqlite_store(reuse: Path, work: Path) -> tuple[Settings, dict[str, float]]:
    """A linked, indexed copy of the ingested SQLite store (made once, then reused)."""
    folder = work / "sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "linked.db"
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=folder / "data")
    marker = folder / "linked.ok"
    timings: dict[str, float] = {}
    if not marker.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(reuse / "ingested.db", database)
        _log("linking the SQLite copy (polestar link, which builds the search index)")
        timings["link + index"] = _polestar(_env(settings), "link")
        marker.write_text("ok\n")
    return settings, timings


@contextmanager
def postgres_store(
    reuse: Path, work: Path, kept: str | None = None
) -> Iterator[tuple[Settings, dict[str, float]]]:
    """The county ingested, linked and indexed in a new database of the test cluster, or
    `kept`, the URL of a database a `polestar ingest` and `polestar link` of the same county
    left (not dropped): at a million people those take twenty minutes on PostgreSQL."""
    if kept is not None:
        yield Settings(database_url=kept, data_dir=work / "postgres" / "data"), {}
        return
    admin_url = os.environ.get("POLESTAR_TEST_POSTGRES_URL")
    if not admin_url:
        sys.exit("--postgres needs POLESTAR_TEST_POSTGRES_URL: run under scripts/with-postgres")
    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    settings = Settings(database_url=url, data_dir=work / "postgres" / "data")
    timings: dict[str, float] = {}
    try:
        _log("ingesting the county into PostgreSQL")
        timings["ingest"] = _polestar(_env(settings), "ingest", str(reuse / "county"))
        _log("linking on PostgreSQL (polestar link, which builds the search index)")
        timings["link + index"] = _polestar(_env(settings), "link")
        yield settings, timings
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return {"p50": statistics.median(ordered) * 1000, "p95": at(0.95), "p99": at(0.99)}


@dataclass
class Scored:
    """Recall, and its ceiling: what a ranking reaches on average when a query fits several
    true identities alike (`Truth.alike`) and nothing in it tells them apart."""

    top10: int = 0
    top1: int = 0
    counted: int = 0
    leaks: int = 0
    ceiling10: float = 0.0
    ceiling1: float = 0.0

    def add(self, expected: set[str], found: list[str], alike: int) -> None:
        if not expected:
            return
        self.counted += 1
        self.top10 += bool(expected & set(found[:10]))
        self.top1 += bool(found and found[0] in expected)
        self.ceiling10 += min(1.0, 10 / alike)
        self.ceiling1 += 1 / alike

    def text(self) -> str:
        if not self.counted:
            return "—"
        share = {name: value / self.counted for name, value in vars(self).items()}
        return (
            f"top10 {share['top10']:.3f} (ceiling {share['ceiling10']:.3f})  "
            f"rank1 {share['top1']:.3f} (ceiling {share['ceiling1']:.3f})"
        )


def _visible(
    engine: sa.Engine, viewer: Any, truth: Truth, queries: list[Sought]
) -> dict[Sought, set[str]]:
    """Each query's true entities that the viewer may see any record of."""
    with engine.connect() as conn:
        scope = scope_for(conn, viewer, datetime.now(UTC))
        found = {}
        for sought in queries:
            ids = sorted(truth.entities.get(sought.true_id, ()))
            rows = entity_rows(conn, scope, sought.kind, ids) if ids else {}
            found[sought] = set(rows)
    return found


def run_service(
    engine: sa.Engine, settings: Settings, who: tuple[str, str, str | None], truth: Truth,
    queries: list[Sought],
) -> dict[str, Any]:  # fmt: skip
    """Warm, then timed: every query through `search`, as `who`; recall by kind."""
    viewer = viewer_for(engine, who[0], who[1], who[2])
    visible = _visible(engine, viewer, truth, queries)
    for sought in queries[:50]:
        search(engine, settings, viewer, sought.text, kind=sought.kind, limit=10)
    seconds: list[float] = []
    scores = {kind: Scored() for kind in ("person", "vehicle", "location")}
    tops: list[str] = []
    for sought in queries:
        started = time.perf_counter()
        page = search(engine, settings, viewer, sought.text, kind=sought.kind, limit=10)
        seconds.append(time.perf_counter() - started)
        found = [result.entity_id for result in page.results]
        scores[sought.kind].add(visible[sought], found, truth.alike[sought])
        hidden = truth.entities.get(sought.true_id, set()) - visible[sought]
        scores[sought.kind].leaks += len(hidden & set(found))
        if sought.kind == "person" and found:
            tops.append(found[0])
    return {"latency": _percentiles(seconds), "scores": scores, "tops": tops, "viewer": viewer}


def run_profiles(
    engine: sa.Engine, settings: Settings, viewer: Any, entity_ids: list[str]
) -> dict[str, float]:
    seconds = []
    for entity_id in entity_ids:
        started = time.perf_counter()
        person_view(engine, settings, viewer, entity_id)
        seconds.append(time.perf_counter() - started)
    return _percentiles(seconds)


def run_http(
    settings: Settings, tokens: dict[str, str], who: tuple[str, str, str | None],
    queries: list[Sought],
) -> dict[str, float]:  # fmt: skip
    headers = {"Authorization": f"Bearer {tokens[who[0]]}", "X-Polestar-Purpose": who[1]}
    if who[2]:
        headers["X-Polestar-Justification"] = who[2]
    # One analyst sends every query within a minute or so, far past the per-user rate limit
    # (POLESTAR_RATE_LIMIT_PER_MINUTE, 120), which would refuse most of them (429). This
    # server's limit is set above the run's requests: each still pays for counting itself.
    limit = {"POLESTAR_RATE_LIMIT_PER_MINUTE": str(2 * (len(queries) + 50))}
    with (
        patch.dict(os.environ, limit),
        serving(settings) as (url, _process),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        for sought in queries[:50]:
            client.post("/api/v1/search", json={"query": sought.text, "limit": 10},
                        headers=headers)  # fmt: skip
        seconds = []
        for sought in queries:
            body = {"query": sought.text, "kind": sought.kind, "limit": 10}
            started = time.perf_counter()
            response = client.post("/api/v1/search", json=body, headers=headers)
            seconds.append(time.perf_counter() - started)
            response.raise_for_status()
    return _percentiles(seconds)


def _name_only(text: str) -> str:
    return _DATES.sub(" ", text).strip()


def floor_pg_trgm(engine: sa.Engine, truth: Truth, names: list[Sought]) -> dict[str, Any]:
    """pg_trgm on persons' full names with a GIN index: `%`, ORDER BY similarity LIMIT 20."""
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(sa.text("DROP TABLE IF EXISTS floor_names"))
        conn.execute(sa.text(
            "CREATE TABLE floor_names AS SELECT m.entity_id, "
            "concat_ws(' ', p.forename, p.middle_names, p.surname) AS name FROM persons p "
            "JOIN entity_members m ON m.kind = 'person' AND m.record_id = p.record_id "
            "AND m.source_key = p.source_key"
        ))  # fmt: skip
        conn.execute(sa.text(
            "CREATE INDEX floor_names_trgm ON floor_names USING gin (name gin_trgm_ops)"
        ))  # fmt: skip
        conn.execute(sa.text("ANALYZE floor_names"))
    query = sa.text(
        "SELECT entity_id FROM floor_names WHERE name % :q "
        "ORDER BY similarity(name, :q) DESC LIMIT 20"
    )
    return _floor(engine, truth, names, lambda conn, q: conn.execute(query, {"q": q}))


def floor_fts5(engine: sa.Engine, truth: Truth, names: list[Sought]) -> dict[str, Any]:
    """FTS5 trigram on persons' full names: the query's trigrams ORed, bm25, LIMIT 20."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS floor_names"))
        conn.execute(sa.text(
            "CREATE VIRTUAL TABLE floor_names USING fts5(name, entity_id UNINDEXED, "
            "tokenize = 'trigram')"
        ))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO floor_names (name, entity_id) SELECT "
            "trim(coalesce(p.forename, '') || ' ' || coalesce(p.middle_names, '') || ' ' || "
            "coalesce(p.surname, '')), m.entity_id FROM persons p JOIN entity_members m "
            "ON m.kind = 'person' AND m.record_id = p.record_id AND m.source_key = p.source_key"
        ))  # fmt: skip
    query = sa.text(
        "SELECT entity_id FROM floor_names WHERE floor_names MATCH :q ORDER BY rank LIMIT 20"
    )

    def run(conn: sa.Connection, text: str) -> Any:
        grams = {
            word[i : i + 3]
            for word in text.lower().replace(",", " ").replace(".", " ").split()
            for i in range(max(0, len(word) - 2))
        }
        if not grams:
            return []
        return conn.execute(query, {"q": " OR ".join(f'"{g}"' for g in sorted(grams))})

    return _floor(engine, truth, names, run)


def _floor(
    engine: sa.Engine, truth: Truth, names: list[Sought],
    run: Callable[[sa.Connection, str], Any],
) -> dict[str, Any]:  # fmt: skip
    seconds = []
    top10 = top20 = top1 = 0
    with engine.connect() as conn:
        for sought in names[:50]:
            list(run(conn, _name_only(sought.text)))
        for sought in names:
            started = time.perf_counter()
            rows = [row[0] for row in run(conn, _name_only(sought.text))]
            seconds.append(time.perf_counter() - started)
            found = list(dict.fromkeys(rows))
            expected = truth.entities.get(sought.true_id, set())
            top1 += bool(found and found[0] in expected)
            top10 += bool(expected & set(found[:10]))
            top20 += bool(expected & set(found[:20]))
    n = max(1, len(names))
    return {
        "latency": _percentiles(seconds),
        "recall": f"top10 {top10 / n:.3f}  top20 {top20 / n:.3f}  rank1 {top1 / n:.3f}",
    }


def _ms(figures: dict[str, float]) -> str:
    return "  ".join(f"{name} {value:6.1f} ms" for name, value in figures.items())


def _verdict(ok: bool) -> str:
    return "meets goal" if ok else "MISSES goal"


def _warm(engine: sa.Engine) -> None:
    """Read the store through before timing, as a server in service holds it in memory. This
    machine lets go of file pages unread for a minute, and a rebuild of the index takes
    several. (The 50 warm-up queries alone left p95 at 57 ms at 1M on SQLite; a full untimed
    round first gave 30 ms.) On SQLite the store's file is read, as bench/web.py does; on
    PostgreSQL `pg_prewarm` reads every table and index into shared buffers (through the
    machine's file cache), largest first, so that what does not fit in the buffers is the keys'
    table, which index-only scans seldom visit."""
    if engine.dialect.name == "sqlite":
        read_through(Path(str(engine.url.database)))
        return
    with engine.connect() as conn:
        try:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        except sa.exc.DBAPIError as exc:
            print(f"   no pg_prewarm ({str(exc.orig).strip()}): warmed by queries alone")
            return
        relations = conn.execute(
            sa.text(
                "SELECT oid FROM pg_class WHERE relkind IN ('r', 'i') "
                "AND relnamespace = to_regnamespace(current_schema()) "
                "ORDER BY pg_relation_size(oid) DESC"
            )
        ).scalars()
        _log("reading the store through (pg_prewarm)")
        pages = sum(
            conn.execute(sa.text("SELECT pg_prewarm(:oid)"), {"oid": oid}).scalar_one()
            for oid in relations.all()
        )
        size = pages * int(conn.execute(sa.text("SHOW block_size")).scalar_one())
        conn.commit()
    _log(f"read {size / 2**20:,.0f} MiB")


def bench(label: str, settings: Settings, timings: dict[str, float], reuse: Path,
          count: int, rebuild_index: bool) -> None:  # fmt: skip
    engine = create_engine(settings=settings)
    upgrade(engine)
    started = time.perf_counter()
    if rebuild_index:
        built = rebuild(engine)
        timings["full index rebuild"] = time.perf_counter() - started
        index = f"index: {built.keys:,} keys for {built.records:,} source records"
    else:
        # Rebuilt whole where the keys' version changed (`search.refresh_stale`).
        refreshed = refresh_stale(engine)
        timings["index brought up to date"] = time.perf_counter() - started
        done = "rebuilt" if refreshed.rebuilt else "re-indexed"
        index = f"index: {refreshed.records:,} stale source records {done}"
    # Counted once up to date: a rebuild may have added keys.
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT count(*) FROM persons")).scalar_one()
        keys = sum(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in search_key_tables
        )
    accounts = demo_users(engine, datetime.now(UTC), actor=ACTOR, settings=settings)
    tokens = {account.username: account.token for account in accounts}
    fragments = round(count * 0.15)
    truth = load(engine, reuse / "county" / "truth.csv", count - 2 * fragments, SEED, fragments)
    queries = [*truth.names, *truth.plates, *truth.postcodes]
    print(f"\n== {label}: {people:,} person records, {keys:,} search keys, "
          f"{len(queries)} queries ({len(truth.names)} names, {len(truth.plates)} plates, "
          f"{len(truth.postcodes)} postcodes)")  # fmt: skip
    for name, seconds in timings.items():
        print(f"   {name}: {seconds:.1f} s")
    print(f"   {index}")
    results = {}
    for who in (ANALYST, PARTNER):
        _warm(engine)
        _log(f"{label}: {len(queries)} searches as {who[0]}")
        measured = run_service(engine, settings, who, truth, queries)
        results[who[0]] = measured
        scores = measured["scores"]
        leaks = sum(score.leaks for score in scores.values())
        print(f"   in-process as {who[0]:<22} {_ms(measured['latency'])}   "
              f"{_verdict(measured['latency']['p95'] <= GOAL_P95_MS)}")  # fmt: skip
        for kind, score in scores.items():
            print(f"      {kind:<9} {score.text()}  (over {score.counted} visible targets)")
        print(f"      invisible targets surfaced: {leaks}")
        names = scores["person"]
        if names.counted:
            ok = (
                names.top10 / names.counted >= GOAL_TOP10
                and names.top1 / names.counted >= GOAL_TOP1
            )
            print(f"      names: {_verdict(ok)}")
    for who in (ANALYST, PARTNER):
        _warm(engine)
        _log(f"{label}: over HTTP as {who[0]}")
        figures = run_http(settings, tokens, who, queries)
        print(f"   over HTTP as {who[0]:<24} {_ms(figures)}   "
              f"{_verdict(figures['p95'] <= GOAL_HTTP_P95_MS)}")  # fmt: skip
    analyst = results[ANALYST[0]]
    profile = run_profiles(engine, settings, analyst["viewer"], analyst["tops"])
    print(f"   profile (person_view)              {_ms(profile)}   "
          f"{_verdict(profile['p95'] <= GOAL_PROFILE_P95_MS)}")  # fmt: skip
    ours = analyst["latency"]
    if engine.dialect.name == "postgresql":
        _log(f"{label}: pg_trgm floor")
        floor = floor_pg_trgm(engine, truth, truth.names)
        floor_name = "pg_trgm"
    else:
        _log(f"{label}: FTS5 trigram floor")
        floor = floor_fts5(engine, truth, truth.names)
        floor_name = "FTS5 trigram"
    print(f"   floor {floor_name:<28} {_ms(floor['latency'])}   {floor['recall']}")
    print(f"   ratio floor/ours (analyst, all queries): p50 "
          f"{floor['latency']['p50'] / ours['p50']:.1f}x  p95 "
          f"{floor['latency']['p95'] / ours['p95']:.1f}x")  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS floor_names"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", type=Path, default=DEFAULT_REUSE)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild the search index whole and time it (at 1M people about six minutes); "
        "otherwise the index `polestar link` built is brought up to date as a link does",
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--only-postgres", action="store_true", help="only PostgreSQL")
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="with --postgres or --only-postgres: a database of the same county, already "
        "ingested and linked, to search instead of ingesting one (kept afterwards)",
    )
    args = parser.parse_args()
    if args.postgres_url and not (args.postgres or args.only_postgres):
        parser.error("--postgres-url goes with --postgres or --only-postgres")
    reuse, work = args.reuse.resolve(), args.work.resolve()
    if not args.only_postgres:
        settings, timings = sqlite_store(reuse, work)
        bench("SQLite", settings, timings, reuse, args.queries, args.rebuild)
    if args.postgres or args.only_postgres:
        with postgres_store(reuse, work, args.postgres_url) as (settings, timings):
            bench("PostgreSQL", settings, timings, reuse, args.queries, args.rebuild)


if __name__ == "__main__":
    main()
