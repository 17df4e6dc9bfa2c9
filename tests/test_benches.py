"""Every benchmark still runs, end to end, on a small county: they call the services as the API
and the CLI do, and a service that changes under them otherwise goes unseen until a 1M run fails
(bench/search.py failed after 17 minutes of ingesting and linking, on an argument the audit
change had added)."""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from faker import Faker

from tests import generated

ROOT = Path(__file__).resolve().parent.parent
POLESTAR = Path(sys.executable).with_name("polestar")


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bench folder as bench/search.py's `--reuse` reads it: `county/` (the canary's county,
    generated once per run) and `ingested.db`, never linked."""
    folder = tmp_path_factory.mktemp("bench")
    county = folder / "county"
    county.symlink_to(generated.county(tmp_path_factory, people=300, seed=11))
    store = {
        **os.environ,
        "POLESTAR_DATABASE_URL": f"sqlite:///{folder / 'ingested.db'}",
        "POLESTAR_DATA_DIR": str(folder / "data"),
    }
    _run([str(POLESTAR), "ingest", str(county)], store)
    return folder


def _searched(output: str, dialect: str, floor: str) -> None:
    assert f"== {dialect}:" in output
    for viewer in ("home-analyst", "probation-caseworker"):
        assert f"in-process as {viewer}" in output
        assert f"over HTTP as {viewer}" in output
    assert output.count("invisible targets surfaced: 0") == 2
    assert f"floor {floor}" in output


@pytest.mark.slow
def test_the_search_profile_and_web_benchmarks_run_on_a_small_county(
    ingested: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    bench = ["--reuse", str(ingested), "--work", str(work), "--queries", "40"]
    output = _run([sys.executable, "bench/search.py", *bench])
    _searched(output, "SQLite", "FTS5 trigram")
    # The index `polestar link` built is searched as it is, not built again.
    assert "index: 0 stale source records re-indexed" in output
    assert "full index rebuild" not in output

    linked = work / "sqlite" / "linked.db"
    sampled = ["--samples", "12", "--prolific", "3"]
    profiled = _run([sys.executable, "bench/profile.py", "--store", str(linked), *sampled])
    for kind in ("person", "vehicle", "location"):
        for viewer in ("operator", "cps"):
            assert f"{kind:8} {viewer:8} n=" in profiled

    # The web bench's network walks, on a copy of the same linked store (without `--load`,
    # which runs Locust for over a minute).
    reused = ["--reuse", str(work / "sqlite"), "--work", str(tmp_path / "web")]
    walked = _run([sys.executable, "bench/web.py", *reused, *sampled])
    for viewer in ("analyst", "cps"):
        assert f"network 2 hops as {viewer:8} n=" in walked


@pytest.mark.slow
@pytest.mark.postgres
def test_the_search_benchmark_runs_on_postgresql(ingested: Path, tmp_path: Path) -> None:
    # It ingests and links the county into a database of its own in the test cluster (the
    # one `scripts/with-postgres` exports), then drops it.
    bench = ["--reuse", str(ingested), "--work", str(tmp_path), "--queries", "40"]
    output = _run([sys.executable, "bench/search.py", *bench, "--only-postgres", "--rebuild"])
    _searched(output, "PostgreSQL", "pg_trgm")
    assert re.search(r"full index rebuild: [\d.]+ s", output), output


@pytest.mark.slow
def test_the_linkage_benchmark_runs_on_a_small_county(tmp_path: Path) -> None:
    output = _run([sys.executable, "bench/linkage.py", "--people", "300", "--reuse", str(tmp_path)])
    for run in ("person stage (first run, training)", "link` (second run, stored model)"):
        assert run in output
    assert "plain Splink baseline" in output
    for goal in ("person stage first run / baseline", "cluster F1 =", "blocking recall ="):
        assert goal in output
    # The evidence's own ceiling: a name no one else holds can only add to what ties allow.
    ceiling = re.search(r"besides a name: ([\d.]+), .* no other person holds: ([\d.]+)", output)
    assert ceiling is not None, output
    tied, named = (float(value) for value in ceiling.groups())
    assert 0.5 < tied <= named <= 1.0


@pytest.mark.slow
def test_the_incremental_benchmark_runs_on_a_small_county(tmp_path: Path) -> None:
    # A delta of the last tenth of each export, into an unlinked and a linked store.
    output = _run(
        [
            sys.executable,
            "bench/incremental.py",
            "--people",
            "900",
            "--reuse",
            str(tmp_path),
            "--writers",
        ]
    )
    assert "into the unlinked store: median" in output
    assert "into the linked store, linking on arrival: median" in output
    assert "ratio " in output
    for kind in ("unlinked", "linked"):
        assert f"audit entries beside the {kind} ingest (one due every 100 ms" in output
    # Held-out and changed records placed again in the linked first part.
    sizes = ["--held-out", "20", "--chunked", "100", "--chunk", "50", "--changed", "100"]
    sizes += ["--moved", "3"]
    linked = tmp_path / "delta-900" / "first-linked.db"
    work = ["--reuse", str(tmp_path)]
    output = _run(
        [sys.executable, "bench/incremental.py", "--store", str(linked), "--linked", *sizes, *work]
    )
    assert "chunked assignment:" in output
    assert "changed records placed anew (as link --incremental does" in output
    assert re.search(r"corrections to the largest entities \(3 records.* 3 now alone", output)


@pytest.mark.slow
def test_the_generate_ingest_and_rate_limit_benchmarks_run(tmp_path: Path) -> None:
    county = tmp_path / "county"
    made = _run([sys.executable, "bench/generate.py", "--people", "300", "--out", str(county)])
    assert "truth.csv" in made
    work = ["--reuse", str(county), "--work", str(tmp_path / "ingest")]
    # The baseline copies every row into a fresh store, whose migrations seed some tables.
    ingested = _run([sys.executable, "bench/ingest.py", *work])
    assert "ingest rows/s / baseline rows/s:" in ingested
    limited = _run([sys.executable, "bench/rate_limits.py", "--hits", "100", "--keys", "5"])
    assert "two processes: 100 hits each" in limited


def test_reading_a_store_through_leaves_this_processes_sqlite_locks(tmp_path: Path) -> None:
    """bench/web.py's `read_through`, used while the benchmark holds connections open: had it
    closed a descriptor of the file here, SQLite's locks would go with it, and another process
    closing its connection would delete the WAL under this one's (bench/web.py)."""
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "web.py")
    assert spec is not None
    assert spec.loader is not None
    web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(web)
    store = tmp_path / "store.db"
    with closing(sqlite3.connect(store, isolation_level=None)) as mine:
        mine.execute("PRAGMA journal_mode=WAL")
        mine.execute("CREATE TABLE t (v INTEGER)")
        web.read_through(store)
        other = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('SELECT * FROM t')"
        subprocess.run([sys.executable, "-c", other, str(store)], check=True)
        # The other process saw this one still using the store, and left the WAL to it.
        assert store.with_name("store.db-wal").exists()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_search_benchmark_searches_a_kept_postgresql_database(
    ingested: Path, tmp_path: Path
) -> None:
    # `--postgres-url` searches a database already ingested and linked, and leaves it.
    admin_url = os.environ["POLESTAR_TEST_POSTGRES_URL"]
    name = f"kept_{tmp_path.name[-8:].lower().replace('-', '_')}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    store = {**os.environ, "POLESTAR_DATABASE_URL": url, "POLESTAR_DATA_DIR": str(tmp_path)}
    try:
        _run([str(POLESTAR), "ingest", str(ingested / "county")], store)
        _run([str(POLESTAR), "link"], store)
        bench = ["--reuse", str(ingested), "--work", str(tmp_path), "--queries", "40"]
        output = _run(
            [sys.executable, "bench/search.py", *bench, "--only-postgres", "--postgres-url", url]
        )
        _searched(output, "PostgreSQL", "pg_trgm")
        assert "ingest:" not in output  # nothing was ingested again
        with admin.connect() as conn:
            kept = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
            assert conn.execute(kept, {"name": name}).scalar_one_or_none() == 1
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _febrl_like(folder: Path, people: int = 150) -> None:
    """Files shaped as FEBRL's (`rec-N-org`, `rec-N-dup-K`, dates as YYYYMMDD, Australian
    postcodes), made here: dataset 3 holds originals and duplicates, 4b one copy of 4a each."""
    fake = Faker("en_AU")
    fake.seed_instance(3)
    header = "rec_id, given_name, surname, street_number, address_1, address_2, suburb, "
    header += "postcode, state, date_of_birth, soc_sec_id"
    originals = [
        [
            fake.first_name().lower(),
            fake.last_name().lower(),
            fake.building_number(),
            fake.street_name().lower(),
            "",
            fake.city().lower(),
            fake.postcode(),
            fake.state_abbr().lower(),
            fake.date_of_birth(minimum_age=18).strftime("%Y%m%d"),
            str(fake.random_number(digits=7, fix_len=True)),
        ]
        for _ in range(people)
    ]

    def write(name: str, rows: list[list[str]]) -> None:
        lines = [header, *(", ".join(row) for row in rows)]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")

    def copy(row: list[str], number: int) -> list[str]:
        typo = row[0][:1] + row[0][2:] if number % 3 == 0 else row[0]
        return [typo, *row[1:]]

    write("dataset4a", [[f"rec-{n}-org", *row] for n, row in enumerate(originals)])
    write("dataset4b", [[f"rec-{n}-dup-0", *copy(row, n)] for n, row in enumerate(originals)])
    dataset3 = [[f"rec-{n}-org", *row] for n, row in enumerate(originals)]
    dataset3 += [[f"rec-{n}-dup-0", *copy(row, n)] for n, row in enumerate(originals) if n % 2]
    write("dataset3", dataset3)


@pytest.mark.slow
def test_the_outside_data_benchmark_runs_on_febrl_shaped_files(tmp_path: Path) -> None:
    _febrl_like(tmp_path)

    output = _run([sys.executable, "bench/outside.py", "--data", str(tmp_path)])

    assert output.count("Polestar, postcodes as type: postcode") == 2, output
    assert output.count("Polestar, postcodes as type: foreign_postcode") == 2, output
    assert output.count("plain Splink: those, address, suburb, SSN") == 2, output
    assert output.count("Record Linkage Toolkit: ECM (unsupervised)") == 2, output
    # Refused as UK postcodes, they are named at ingest; mapped as text, they are matched.
    assert "location.postcode value(s) kept only as written" in output
    f1s = [float(f1) for f1 in re.findall(r"cluster P [\d.]+ R [\d.]+ F1 ([\d.]+)", output)]
    assert len(f1s) == 12, output
    assert all(0.8 < f1 <= 1.0 for f1 in f1s), output
    # Every true pair here shares a surname: the toolkit's blocking compares them all.
    toolkit = re.findall(r"Toolkit: .* blocking recall ([\d.]+)", output)
    assert toolkit == ["1.0000"] * 4, output
