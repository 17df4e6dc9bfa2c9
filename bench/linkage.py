"""Benchmark linkage: Polestar's person stage and `polestar link` against plain Splink.

Usage: `.venv/bin/python bench/linkage.py [--sizes 100000,1000000] [--people N ...]
[--reuse DIR] [--seed S] [--workers W]`.

Sizes are in person records ("1M" = 1,000,000 person records); the generator yields about
2.95 person records per true identity, so each size generates `size / 2.95` people (or the
`--people` given, one per size) and the table reports the actual record count. For each size
the county is generated and ingested into a fresh SQLite store with `polestar ingest` (neither
is timed), then every measured command runs in its own child process, whose wall time and
peak RSS (the child and its descendants, polled every 0.2 s, and the kernel's maximum from
`wait4`) are reported:

* Polestar's person stage alone — `link_people` and placement of person ids, exactly as
  `polestar.linkage.run.link` does them, reading from and writing to the store — on a fresh
  copy of the store (first run, training included), then again (stored model);
* the whole `polestar link --json` on another fresh copy, first and second run;
* a plain Splink baseline: a one-table dedupe of the same person records (read from the same
  store: forename, surname, date of birth, home postcode) with Splink's standard name, date of
  birth and postcode comparisons, blocking and training as its tutorials do, clustered at 0.95.

Quality comes from `polestar link evaluate --truth truth.csv --json` after each Polestar run
and, for the baseline, from the same definitions (`polestar.linkage.evaluation`) applied to its
clusters and to the pairs its blocking rules generate. The goals are those of issue 3 (stated
for 1,000,000 person records on 2 cores). Beside them, not timed: the cluster F1 the records'
evidence allows (`child_ceiling`, docs/linkage.md "What the evidence allows").

`--reuse DIR` keeps each size's county and ingested store in `DIR/<size>/` and reuses them
when complete (every run still starts from a copy of the ingested, never-linked store).
Without it the work folder is `bench/out/linkage/<size>/` and everything is made afresh.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve()
DEFAULT_WORK = BENCH.parent / "out" / "linkage"
RECORDS_PER_PERSON = 2.95
GIB = 2**30

# Issue 3, item 5 (at 1,000,000 person records on 2 cores).
GOAL_STAGE_RATIO = 1.5
GOAL_LINK_RATIO = 3.0
GOAL_PEAK_GIB = 6.0
GOAL_BLOCKING_RECALL = 0.98
GOAL_CLUSTER_F1 = 0.98
GOAL_PAIRWISE_MARGIN = 0.02

# The plain baseline: a one-table dedupe as Splink's tutorials set it up and train it.
BASELINE_PREDICT_THRESHOLD = 0.2
BASELINE_CLUSTER_THRESHOLD = 0.95
BASELINE_U_MAX_PAIRS = 1e7
BASELINE_SEED = 1

PERSONS_SQL = """
SELECT p.id, p.record_id, p.source, p.source_key, p.forename, p.surname, p.dob
FROM persons p JOIN source_records s ON s.id = p.record_id
WHERE s.withdrawn_run_id IS NULL
ORDER BY p.id
"""
# The home postcodes `polestar.store.linkable.place_batches` gives (role resides-at), for the
# baseline.
HOMES_SQL = """
SELECT l.record_id, l.from_key, loc.postcode
FROM links l JOIN locations loc ON loc.record_id = l.record_id AND loc.source_key = l.to_key
WHERE l.role = 'resides-at' AND l.from_kind = 'person' AND loc.postcode IS NOT NULL
ORDER BY l.id
"""


def _log(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# --- measuring a child process ------------------------------------------------------------


@dataclass
class Measured:
    """Wall time and peak resident memory of one child process (and its descendants)."""

    wall: float
    peak_rss: int
    returncode: int
    stdout: str
    others: float  # share of the machine's CPUs busy with processes other than this run


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _tree_rss(pid: int) -> int:
    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total
    except psutil.Error:
        return 0


def measure(cmd: list[str], env: dict[str, str], logs: Path, name: str) -> Measured:
    """Run `cmd`, polling its process tree's RSS every 0.2 s; fails loudly on a non-zero exit."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        busy, own = _busy_seconds(), sum(os.times()[:2])
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        peak = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak
            while not done.wait(0.2):
                peak = max(peak, _tree_rss(proc.pid))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        busy, own = _busy_seconds() - busy, sum(os.times()[:2]) - own
        done.set()
        poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max(peak, usage.ru_maxrss * 1024)  # KiB on Linux
    stdout = out_path.read_text()
    if proc.returncode != 0:
        tail = err_path.read_text()[-3000:]
        raise SystemExit(f"{name} failed with exit {proc.returncode}: {' '.join(cmd)}\n{tail}")
    child_cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, busy - child_cpu - own) / (wall * (os.cpu_count() or 1))
    return Measured(wall, peak, proc.returncode, stdout, others)


def _json_from(stdout: str) -> dict[str, Any]:
    """The one JSON object a `--json` command prints (the last line that parses, to be safe)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise SystemExit(f"no JSON object in the output: {stdout[-500:]!r}")


# --- step timings inside a child ----------------------------------------------------------


@dataclass
class Steps:
    """Times named steps (nested), with the RSS now and the process's peak RSS so far."""

    rows: list[tuple[int, str, float, int, int]] = field(default_factory=list)
    depth: int = 0

    def run(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        position = len(self.rows)
        self.rows.append((self.depth, name, 0.0, 0, 0))
        self.depth += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.depth -= 1
            seconds = time.perf_counter() - start
            rss = psutil.Process().memory_info().rss
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            self.rows[position] = (self.depth, name, seconds, rss, peak)

    def patch(self, owner: Any, attr: str, name: str | Callable[..., str]) -> None:
        """Time every call of `owner.attr` from now on."""
        original = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            label = name(*args, **kwargs) if callable(name) else name
            return self.run(label, original, *args, **kwargs)

        setattr(owner, attr, timed)

    def as_list(self) -> list[dict[str, Any]]:
        return [
            {"depth": d, "step": n, "seconds": round(s, 3), "rss": r, "peak_rss": p}
            for d, n, s, r, p in self.rows
        ]


def _rule_sql(rule: Any) -> str:
    try:
        sql = str(rule.get_blocking_rule("duckdb").blocking_rule_sql)
    except AttributeError:
        sql = str(rule)
    return sql.replace('"', "")


def _instrument_splink(steps: Steps) -> None:
    from splink.internals.linker_components.clustering import LinkerClustering
    from splink.internals.linker_components.inference import LinkerInference
    from splink.internals.linker_components.training import LinkerTraining

    steps.patch(
        LinkerTraining,
        "estimate_probability_two_random_records_match",
        "train: prior from deterministic rules",
    )
    steps.patch(LinkerTraining, "estimate_u_using_random_sampling", "train: u by random sampling")
    steps.patch(
        LinkerTraining,
        "estimate_parameters_using_expectation_maximisation",
        lambda _self, rule, *a, **k: f"train: EM blocked on {_rule_sql(rule)}",
    )
    steps.patch(LinkerInference, "predict", "predict (score every blocked pair)")
    steps.patch(
        LinkerInference,
        "compute_blocked_pairs_for_predict",
        "blocked pairs (for blocking recall)",
    )
    steps.patch(LinkerClustering, "cluster_pairwise_predictions_at_threshold", "cluster")


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=1, default=str))


# --- child: Polestar's person stage alone -------------------------------------------------


def child_person_stage(out: Path) -> None:
    """`link_people` then placement of person ids, as `polestar.linkage.run.link` does them."""
    import logging
    from dataclasses import asdict

    from polestar.linkage import constrained, duck, people, person_model
    from polestar.linkage.run import _place
    from polestar.settings import get_settings
    from polestar.store.engine import create_engine
    from polestar.store.runs import finish_run, start_run
    from polestar.store.schema import upgrade

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    steps = Steps()
    _instrument_splink(steps)
    steps.patch(people, "load_people", "load person records from the store, derive features")
    steps.patch(people, "latest_model", "read the stored model")
    steps.patch(person_model, "train", "train (all steps)")
    steps.patch(people, "save_model", "save the model to the store")
    steps.patch(constrained, "cluster", "hold conflicting records apart, collect clusters")
    settings = get_settings()
    engine = create_engine(settings=settings)
    upgrade(engine)
    started = time.perf_counter()
    logging.getLogger("splink").setLevel(logging.ERROR)
    run_id = start_run(engine, "link", f"cli:{getpass.getuser()}")
    con = duck.connect(settings)
    try:
        stage = steps.run(
            "link_people",
            people.link_people,
            con,
            engine,
            settings,
            run_id,
            False,
            lambda message: sys.stderr.write(f"warning: {message}\n"),
        )
        report = steps.run(
            "place person ids, write to the store",
            _place,
            engine,
            "person",
            stage.clusters,
            stage.records,
            stage.pairs_scored,
            run_id,
            stage.model_version,
        )
    finally:
        con.close()
    seconds = round(time.perf_counter() - started, 3)
    finish_run(engine, run_id, "completed", {"person": asdict(report), "seconds": seconds})
    _write_json(
        out,
        {
            "seconds": seconds,
            "model_version": stage.model_version,
            "person": asdict(report),
            "steps": steps.as_list(),
        },
    )


# --- child: the plain Splink baseline -----------------------------------------------------


def _read_people(database: Path) -> Any:
    """The person records of the store as a pyarrow table (sqlite3, no Polestar code)."""
    import sqlite3

    import pyarrow as pa

    names = ("id", "record_id", "source", "source_key", "forename", "surname", "dob")
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        columns: dict[str, list[Any]] = {name: [] for name in names}
        cursor = con.execute(PERSONS_SQL)
        while rows := cursor.fetchmany(100_000):
            for i, name in enumerate(names):
                columns[name].extend(row[i] for row in rows)
        persons = pa.table(columns)
        home_names = ("record_id", "source_key", "postcode")
        homes: dict[str, list[Any]] = {name: [] for name in home_names}
        cursor = con.execute(HOMES_SQL)
        while rows := cursor.fetchmany(100_000):
            for i, name in enumerate(home_names):
                homes[name].extend(row[i] for row in rows)
        home_schema = pa.schema(
            [("record_id", pa.int64()), ("source_key", pa.string()), ("postcode", pa.string())]
        )
        return persons, pa.table(homes, schema=home_schema)
    finally:
        con.close()


def _people_table(con: Any, database: Path) -> int:
    """`people(unique_id, source, source_key, first_name, surname, dob, postcode)` in DuckDB."""
    persons, homes = _read_people(database)
    con.register("_persons", persons)
    con.register("_homes", homes)
    con.execute(
        """
        CREATE OR REPLACE TABLE people AS
        WITH h AS (
            SELECT record_id::BIGINT AS record_id, source_key, min(postcode) AS postcode
            FROM _homes GROUP BY ALL
        )
        SELECT p.id AS unique_id, p.source, p.source_key, p.forename AS first_name,
            p.surname, CAST(p.dob AS VARCHAR) AS dob, h.postcode
        FROM _persons p
        LEFT JOIN h ON h.record_id = p.record_id AND h.source_key = p.source_key
        """
    )
    con.unregister("_persons")
    con.unregister("_homes")
    return int(con.sql("SELECT count(*) FROM people").fetchall()[0][0])


def baseline_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("postcode", "substr(first_name, 1, 1)"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def child_baseline(database: Path, out: Path) -> None:
    """Dedupe the store's person records with plain Splink; writes clusters and the model."""
    import logging

    from splink import DuckDBAPI, Linker, block_on

    from polestar.linkage import duck
    from polestar.settings import get_settings

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    steps = Steps()
    _instrument_splink(steps)
    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    con = duck.connect(settings)  # the same memory limit and threads as Polestar's runs
    records = steps.run(
        "read persons + home postcodes (sqlite3 -> arrow -> DuckDB)", _people_table, con, database
    )
    people = DuckDBAPI(connection=con).register("people")
    linker = steps.run("Linker()", Linker, people, baseline_settings(), log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=BASELINE_U_MAX_PAIRS, seed=BASELINE_SEED)
    training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=BASELINE_PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=BASELINE_CLUSTER_THRESHOLD
    )
    steps.run(
        "write clusters (parquet)",
        lambda: (
            con.table(clusters.physical_name)
            .select("unique_id, cluster_id, source, source_key")
            .write_parquet(str(out / "clusters.parquet"))
        ),
    )
    linker.misc.save_model_to_json(str(out / "model.json"), overwrite=True)
    predicted = int(con.table(predictions.physical_name).count("*").fetchall()[0][0])
    con.close()
    _write_json(
        out / "result.json",
        {"records": records, "predicted_pairs": predicted, "steps": steps.as_list()},
    )


def child_baseline_quality(database: Path, out: Path, truth: Path) -> None:
    """Score the baseline's clusters and blocking as `polestar link evaluate` scores Polestar's."""
    import logging

    from splink import DuckDBAPI, Linker

    from polestar.linkage import duck
    from polestar.linkage.evaluation import METRICS_SQL, _load_truth, _scores
    from polestar.settings import get_settings

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    con = duck.connect(get_settings())
    _people_table(con, database)
    _load_truth(con, truth)
    con.read_parquet(str(out / "clusters.parquet")).create_view("baseline_clusters")
    con.execute(
        """
        CREATE TABLE evaluated AS
        SELECT 'person' AS kind, c.cluster_id::VARCHAR AS entity_id, t.true_id
        FROM baseline_clusters c
        JOIN truth t ON t.kind = 'person' AND t.source = c.source AND t.source_key = c.source_key
        """
    )
    row = con.sql(METRICS_SQL).fetchall()[0]
    _kind, records, precision_sum, recall_sum, tp, predicted, true = row
    linker = Linker(
        DuckDBAPI(connection=con).register("people"),
        str(out / "model.json"),
        log_level=logging.ERROR,
    )
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    con.table(blocked.physical_name).create_view("blocked")
    # The definition of `polestar.linkage.evaluation._person_blocking_recall`.
    total, found, compared = con.sql(
        """
        WITH labelled AS (
            SELECT p.unique_id, t.true_id FROM people p
            JOIN truth t ON t.kind = 'person' AND t.source = p.source
                AND t.source_key = p.source_key
        ), true_pairs AS (
            SELECT l.unique_id AS a, r.unique_id AS b FROM labelled l
            JOIN labelled r ON l.true_id = r.true_id AND l.unique_id < r.unique_id
        ), compared AS (
            SELECT DISTINCT least(join_key_l, join_key_r) AS a,
                greatest(join_key_l, join_key_r) AS b
            FROM blocked
        )
        SELECT count(*), count(c.a), (SELECT count(*) FROM compared) FROM true_pairs t
        LEFT JOIN compared c ON c.a = t.a::VARCHAR AND c.b = t.b::VARCHAR
        """
    ).fetchall()[0]
    con.close()
    _write_json(
        out / "quality.json",
        {
            "records": int(records),
            "pairwise": _scores(tp / predicted if predicted else 1.0, tp / true if true else 1.0),
            "cluster": _scores(precision_sum / records, recall_sum / records),
            "blocking_recall": round(found / total, 6) if total else None,
            "pairs_compared": int(compared),
        },
    )


# --- child: the cluster F1 the records' evidence allows ------------------------------------

# Two records of one true person are tied when they share something besides a name: an
# identifier, a phone, a date of birth (as the model allows: transposed, or a year apart), a
# home postcode or a place (the person features of `polestar.linkage.people.FEATURES_SQL`).
TIED_SQL = """
    l.pnc_id = r.pnc_id OR l.crn = r.crn OR l.ni_number = r.ni_number OR l.phone = r.phone
    OR l.dob = r.dob OR l.dob = r.dob_swapped OR (l.dob_md = r.dob_md AND abs(l.yob - r.yob) = 1)
    OR l.postcode = r.postcode OR list_has_any(l.places, r.places)
"""
# ...or the same forename and surname, held by no other true person in the county: the most a
# name alone could honestly add, since a model sees how often a name occurs, not who holds it.
NAMED_ALONE_SQL = (
    "(l.fn = r.fn AND l.sn = r.sn AND (l.fn, l.sn) IN (SELECT fn, sn FROM named_once))"
)
TIES_SQL = """
CREATE OR REPLACE TABLE ties AS
SELECT l.unique_id AS unique_id_l, r.unique_id AS unique_id_r, 1.0 AS match_probability
FROM labelled l JOIN labelled r ON l.true_id = r.true_id AND l.unique_id < r.unique_id
WHERE {tie}
"""


def child_ceiling(out: Path, truth: Path) -> None:
    """B-cubed scores if every tied pair of a true person's records were joined and nothing
    else (precision 1): what no pairwise model can exceed by much without joining records on
    a name alone. Not timed."""
    import logging

    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    from polestar.linkage import duck
    from polestar.linkage.evaluation import METRICS_SQL, _load_truth, _scores
    from polestar.linkage.people import load_people
    from polestar.settings import get_settings
    from polestar.store.engine import create_engine

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = get_settings()
    con = duck.connect(settings)
    load_people(con, create_engine(settings=settings))
    _load_truth(con, truth)
    con.execute(
        """
        CREATE TABLE labelled AS SELECT p.*, t.true_id FROM people p
        JOIN truth t ON t.kind = 'person' AND t.source = p.source AND t.source_key = p.source_key;
        CREATE TABLE named_once AS SELECT fn, sn FROM labelled WHERE fn IS NOT NULL
            AND sn IS NOT NULL GROUP BY ALL HAVING count(DISTINCT true_id) = 1
        """
    )
    ceilings = {}
    for name, tie in (
        ("tied", TIED_SQL),
        ("tied_or_named_alone", f"{TIED_SQL} OR {NAMED_ALONE_SQL}"),
    ):
        con.execute(TIES_SQL.format(tie=tie))
        clusters = cluster_pairwise_predictions_at_threshold(
            "labelled",
            "ties",
            DuckDBAPI(connection=con),
            "unique_id",
            threshold_match_probability=0.5,
        )
        con.table(clusters.physical_name).create_view("ceiling_clusters", replace=True)
        con.execute(
            """
            CREATE OR REPLACE TABLE evaluated AS
            SELECT 'person' AS kind, c.cluster_id::VARCHAR AS entity_id, l.true_id
            FROM ceiling_clusters c JOIN labelled l USING (unique_id)
            """
        )
        _kind, records, precision_sum, recall_sum, *_ = con.sql(METRICS_SQL).fetchall()[0]
        ceilings[name] = _scores(precision_sum / records, recall_sum / records)
    con.close()
    _write_json(out, ceilings)


# --- the benchmark ------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    wall: float
    peak_rss: int
    quality: dict[str, Any] | None
    others: float
    note: str = ""


def _env(database: Path, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["POLESTAR_DATABASE_URL"] = f"sqlite:///{database}"
    env["POLESTAR_DATA_DIR"] = str(data_dir)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _polestar() -> str:
    return str(Path(sys.executable).with_name("polestar"))


_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _remove_store(database: Path) -> None:
    for suffix in _SQLITE_SUFFIXES:
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _copy_store(source: Path, target: Path) -> None:
    """A fresh copy of a SQLite store (with any journal), replacing what was at `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_store(target)
    for suffix in _SQLITE_SUFFIXES:
        src = Path(f"{source}{suffix}")
        if src.exists():
            shutil.copyfile(src, Path(f"{target}{suffix}"))


def _county(work: Path, people: int, seed: int, workers: int | None, reuse: bool) -> dict[str, Any]:
    from polestar.synth import generate

    county = work / "county"
    marker = work / "county.json"
    if reuse and marker.exists() and (county / "truth.csv").exists():
        saved: dict[str, Any] = json.loads(marker.read_text())
        if saved.get("people") == people and saved.get("seed") == seed:
            _log(f"reusing the county in {county}")
            return saved
        _log(f"{county} was made with other arguments; generating afresh")
    marker.unlink(missing_ok=True)
    if county.exists():
        shutil.rmtree(county)
    _log(f"generating {people:,} people into {county}")
    start = time.perf_counter()
    counts = generate(county, people, seed, workers=workers)
    saved = {
        "people": people,
        "seed": seed,
        "counts": counts,
        "seconds": round(time.perf_counter() - start, 1),
    }
    marker.write_text(json.dumps(saved))
    return saved


def _ingested(work: Path, reuse: bool) -> tuple[Path, dict[str, Any]]:
    database = work / "ingested.db"
    marker = work / "ingest.json"
    if reuse and marker.exists() and database.exists():
        _log(f"reusing the ingested store {database}")
        return database, json.loads(marker.read_text())
    marker.unlink(missing_ok=True)
    _remove_store(database)
    _log("ingesting (not timed for this benchmark)")
    done = measure(
        [_polestar(), "ingest", str(work / "county"), "--json"],
        _env(database, work / "data"),
        work / "logs",
        "ingest",
    )
    saved = {"seconds": round(done.wall, 1), "report": _json_from(done.stdout)["total"]}
    marker.write_text(json.dumps(saved))
    return database, saved


def _evaluate(database: Path, work: Path, name: str) -> tuple[dict[str, Any], float]:
    done = measure(
        [_polestar(), "link", "evaluate", "--truth", str(work / "county" / "truth.csv"), "--json"],
        _env(database, work / "data"),
        work / "logs",
        f"evaluate-{name}",
    )
    return _json_from(done.stdout)["person"], done.wall


def bench_size(
    size: int, people: int, args: argparse.Namespace
) -> tuple[list[Row], dict[str, Any]]:
    work = (args.reuse or DEFAULT_WORK) / str(size)
    work.mkdir(parents=True, exist_ok=True)
    county = _county(work, people, args.seed, args.workers, args.reuse is not None)
    ingested, ingest = _ingested(work, args.reuse is not None)
    runs, logs, data = work / "runs", work / "logs", work / "data"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir()
    rows: list[Row] = []
    info: dict[str, Any] = {"county": county, "ingest": ingest, "evaluate_seconds": []}

    stage_db = runs / "stage.db"
    _copy_store(ingested, stage_db)
    for attempt, label in ((1, "first run, training"), (2, "second run, stored model")):
        _log(f"Polestar person stage, {label}")
        result = runs / f"stage-{attempt}.json"
        done = measure(
            [sys.executable, str(BENCH), "_person_stage", str(result)],
            _env(stage_db, data),
            logs,
            f"stage-{attempt}",
        )
        report = json.loads(result.read_text())
        info[f"stage-{attempt}"] = report
        quality, seconds = _evaluate(stage_db, work, f"stage-{attempt}")
        info["evaluate_seconds"].append(seconds)
        rows.append(
            Row(
                f"Polestar person stage ({label})",
                done.wall,
                done.peak_rss,
                quality,
                done.others,
                f"in-process {report['seconds']:.1f} s; {report['person']['pairs_scored']:,} "
                f"pairs scored; {report['person']['entities']:,} people",
            )
        )

    link_db = runs / "link.db"
    _copy_store(ingested, link_db)
    for attempt, label in ((1, "first run, training"), (2, "second run, stored model")):
        _log(f"polestar link --json, {label}")
        done = measure(
            [_polestar(), "link", "--json"], _env(link_db, data), logs, f"link-{attempt}"
        )
        report = _json_from(done.stdout)
        info[f"link-{attempt}"] = report
        quality, seconds = _evaluate(link_db, work, f"link-{attempt}")
        info["evaluate_seconds"].append(seconds)
        rows.append(
            Row(
                f"whole `polestar link` ({label})",
                done.wall,
                done.peak_rss,
                quality,
                done.others,
                f"reported {report['seconds']:.1f} s; vehicles {report['vehicle']['records']:,}"
                f" -> {report['vehicle']['entities']:,}, locations "
                f"{report['location']['records']:,} -> {report['location']['entities']:,}",
            )
        )

    _log("plain Splink baseline")
    baseline_dir = runs / "baseline"
    done = measure(
        [sys.executable, str(BENCH), "_baseline", str(ingested), str(baseline_dir)],
        _env(ingested, data),
        logs,
        "baseline",
    )
    _log("scoring the baseline (not timed)")
    measure(
        [
            sys.executable,
            str(BENCH),
            "_baseline_quality",
            str(ingested),
            str(baseline_dir),
            str(work / "county" / "truth.csv"),
        ],
        _env(ingested, data),
        logs,
        "baseline-quality",
    )
    result = json.loads((baseline_dir / "result.json").read_text())
    quality = json.loads((baseline_dir / "quality.json").read_text())
    info["baseline"] = result
    _log("the cluster F1 the records' evidence allows (not timed)")
    ceiling = runs / "ceiling.json"
    measure(
        [sys.executable, str(BENCH), "_ceiling", str(ceiling), str(work / "county" / "truth.csv")],
        _env(ingested, data),
        logs,
        "ceiling",
    )
    info["ceiling"] = json.loads(ceiling.read_text())
    rows.append(
        Row(
            "plain Splink baseline",
            done.wall,
            done.peak_rss,
            quality,
            done.others,
            f"{quality['pairs_compared']:,} pairs compared; {result['predicted_pairs']:,} "
            f"predicted at p >= {BASELINE_PREDICT_THRESHOLD}",
        )
    )
    return rows, info


def _prf(scores: dict[str, float] | None) -> str:
    if not scores:
        return f"{'—':^20}"
    return f"{scores['precision']:.4f}/{scores['recall']:.4f}/{scores['f1']:.4f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report_size(size: int, rows: list[Row], info: dict[str, Any]) -> None:
    counts = info["county"]["counts"]
    records = counts["person"]
    print()
    print(
        f"=== {size:,} person records requested: {info['county']['people']:,} people "
        f"(seed {info['county']['seed']}) gave {records:,} person records "
        f"({records / info['county']['people']:.2f} each); {counts['vehicle']:,} vehicle, "
        f"{counts['location']:,} location records ==="
    )
    print(
        f"generation {info['county']['seconds']:.0f} s, ingest {info['ingest']['seconds']:.0f} s"
        f" ({info['ingest']['report']['read']:,} source records); evaluate "
        + ", ".join(f"{s:.0f}" for s in info["evaluate_seconds"])
        + " s (none of these timed below)"
    )
    head = (
        f"{'':<50}{'wall s':>8}{'peak GiB':>10}  {'pairwise P/R/F1':<20}  "
        f"{'cluster P/R/F1':<20}  {'blocking':>8}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        q = row.quality or {}
        blocking = q.get("blocking_recall")
        print(
            f"{row.label:<50}{row.wall:>8.1f}{row.peak_rss / GIB:>10.2f}  "
            f"{_prf(q.get('pairwise')):<20}  {_prf(q.get('cluster')):<20}  "
            f"{'—' if blocking is None else f'{blocking:.4f}':>8}"
        )
    for row in rows:
        print(f"  {row.label}: {row.note}; other processes kept {row.others:.0%} of the CPUs busy")

    stage1, _stage2, link1, _link2, base = rows
    polestar_rows = rows[:4]
    stage_ratio = stage1.wall / base.wall
    link_ratio = link1.wall / base.wall
    peak = max(r.peak_rss for r in polestar_rows) / GIB
    blocking = link1.quality["blocking_recall"] if link1.quality else None
    cluster_f1 = link1.quality["cluster"]["f1"] if link1.quality else 0.0
    pairwise_f1 = link1.quality["pairwise"]["f1"] if link1.quality else 0.0
    base_pairwise = base.quality["pairwise"]["f1"] if base.quality else 0.0
    print(f"goals (issue 3, stated for 1,000,000 person records on 2 cores), at {records:,}:")
    checks = [
        (
            f"person stage first run / baseline = {stage1.wall:.1f} / {base.wall:.1f} s"
            f" = {stage_ratio:.2f}x (<= {GOAL_STAGE_RATIO}x)",
            stage_ratio <= GOAL_STAGE_RATIO,
        ),
        (
            f"whole link first run / baseline = {link1.wall:.1f} / {base.wall:.1f} s"
            f" = {link_ratio:.2f}x (<= {GOAL_LINK_RATIO}x)",
            link_ratio <= GOAL_LINK_RATIO,
        ),
        (
            f"peak RSS of any Polestar run = {peak:.2f} GiB (<= {GOAL_PEAK_GIB} GiB)",
            peak <= GOAL_PEAK_GIB,
        ),
        (
            f"blocking recall = {blocking} (>= {GOAL_BLOCKING_RECALL})",
            blocking is not None and blocking >= GOAL_BLOCKING_RECALL,
        ),
        (
            f"cluster F1 = {cluster_f1:.4f} (>= {GOAL_CLUSTER_F1})",
            cluster_f1 >= GOAL_CLUSTER_F1,
        ),
        (
            f"pairwise F1 = {pairwise_f1:.4f} (>= baseline {base_pairwise:.4f} + "
            f"{GOAL_PAIRWISE_MARGIN} = {base_pairwise + GOAL_PAIRWISE_MARGIN:.4f})",
            pairwise_f1 >= base_pairwise + GOAL_PAIRWISE_MARGIN,
        ),
    ]
    for text, ok in checks:
        print(f"  {_verdict(ok)}  {text}")
    tied, named = info["ceiling"]["tied"], info["ceiling"]["tied_or_named_alone"]
    print(
        "  (cluster F1 the evidence allows, joining each person's records only where they share"
        f" something besides a name: {tied['f1']:.4f}, recall {tied['recall']:.4f}; also where"
        f" they share a name no other person holds: {named['f1']:.4f}, "
        f"recall {named['recall']:.4f})"
    )
    print(
        f"  (and the second run on the stored model: person stage {rows[1].wall:.1f} s, "
        f"whole link {rows[3].wall:.1f} s)"
    )

    for title, steps in (
        ("person stage, first run", info["stage-1"]["steps"]),
        ("person stage, second run", info["stage-2"]["steps"]),
        ("plain Splink baseline", info["baseline"]["steps"]),
    ):
        print(f"where the time goes: {title} (seconds; RSS after the step / peak so far, GiB)")
        width = max(2 * step["depth"] + len(step["step"]) for step in steps) + 4
        for step in steps:
            name = "  " * (step["depth"] + 1) + step["step"]
            print(
                f"{name:<{width}}{step['seconds']:>8.1f}"
                f"{step['rss'] / GIB:>7.2f} /{step['peak_rss'] / GIB:>5.2f}"
            )


def _code_version() -> str:
    """The commit the children run, and which files under src/ differ from it."""

    def git(*argv: str) -> str:
        done = subprocess.run(
            ["git", *argv], cwd=BENCH.parent, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines()]
    return f"commit {commit}" + (
        f", with uncommitted changes to {', '.join(changed)}" if changed else ""
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child, *rest = sys.argv[1:]
        if child == "_person_stage":
            child_person_stage(Path(rest[0]))
        elif child == "_baseline":
            child_baseline(Path(rest[0]), Path(rest[1]))
        elif child == "_baseline_quality":
            child_baseline_quality(Path(rest[0]), Path(rest[1]), Path(rest[2]))
        elif child == "_ceiling":
            child_ceiling(Path(rest[0]), Path(rest[1]))
        else:
            raise SystemExit(f"unknown child mode {child}")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=None,
        help="person records per county, comma-separated (default 100000,1000000)",
    )
    parser.add_argument(
        "--people", type=int, nargs="+", default=None, help="true identities, one per size"
    )
    parser.add_argument("--reuse", type=Path, default=None, help="keep and reuse DIR/<size>/")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="generator processes")
    args = parser.parse_args()
    if args.reuse is not None:
        args.reuse = args.reuse.resolve()
    if args.sizes is None and args.people:
        sizes = [round(p * RECORDS_PER_PERSON) for p in args.people]
    else:
        sizes = [int(s.replace("_", "")) for s in (args.sizes or "100000,1000000").split(",")]
    people = args.people or [round(s / RECORDS_PER_PERSON) for s in sizes]
    if len(people) != len(sizes):
        parser.error("give one --people value per size")

    import duckdb
    import splink

    from polestar.settings import get_settings

    settings = get_settings()
    memory = psutil.virtual_memory().total / GIB
    print(
        f"linkage benchmark: {platform.node()}, {os.cpu_count()} CPUs, {memory:.1f} GiB RAM; "
        f"Python {platform.python_version()}, splink {splink.__version__}, "
        f"duckdb {duckdb.__version__}"
    )
    print(
        f"settings: DuckDB threads {settings.link_threads}, memory limit "
        f"{settings.link_duckdb_memory_limit}; Polestar match threshold "
        f"{settings.link_match_threshold}, u max pairs {settings.link_u_max_pairs:.0e}, "
        f"EM max pairs {settings.link_em_max_pairs:.0e}; "
        f"baseline: predict at p >= {BASELINE_PREDICT_THRESHOLD}, cluster at "
        f"{BASELINE_CLUSTER_THRESHOLD}, u max pairs {BASELINE_U_MAX_PAIRS:.0e}"
    )
    print(f"code: {_code_version()}")
    sys.stdout.flush()
    for size, count in zip(sizes, people, strict=True):
        rows, info = bench_size(size, count, args)
        report_size(size, rows, info)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
