"""The search and profile benchmarks still run, end to end, on a small county: they call the
services as the API does, and a service that changes under them otherwise goes unseen until a
1M run fails (bench/search.py failed after 17 minutes of ingesting and linking, on an argument
the audit change had added)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import generated

ROOT = Path(__file__).resolve().parent.parent
POLESTAR = Path(sys.executable).with_name("polestar")


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


@pytest.mark.slow
def test_the_search_and_profile_benchmarks_run_on_a_small_county(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The benchmark reads `<reuse>/county` and `<reuse>/ingested.db`: the canary's county,
    # generated once per run, linked in.
    county = tmp_path / "county"
    county.symlink_to(generated.county(tmp_path_factory, people=300, seed=11))
    store = {
        **os.environ,
        "POLESTAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ingested.db'}",
        "POLESTAR_DATA_DIR": str(tmp_path / "data"),
    }
    _run([str(POLESTAR), "ingest", str(county)], store)
    work = tmp_path / "work"

    bench = ["--reuse", str(tmp_path), "--work", str(work), "--queries", "40"]
    searched = _run([sys.executable, "bench/search.py", *bench])
    assert "== SQLite:" in searched
    for viewer in ("home-analyst", "probation-caseworker"):
        assert f"in-process as {viewer}" in searched
        assert f"over HTTP as {viewer}" in searched
    assert searched.count("invisible targets surfaced: 0") == 2
    assert "floor FTS5 trigram" in searched

    linked = work / "sqlite" / "linked.db"
    sampled = ["--samples", "12", "--prolific", "3"]
    profiled = _run([sys.executable, "bench/profile.py", "--store", str(linked), *sampled])
    for kind in ("person", "vehicle", "location"):
        for viewer in ("operator", "cps"):
            assert f"{kind:8} {viewer:8} n=" in profiled
