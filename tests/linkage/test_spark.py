"""`polestar link --engine spark` gives the same entities as DuckDB on a small county.

Spark in local mode starts a JVM (15–40 s here) and runs one scoring job, so this is one test:
the Spark run comes first and trains the model (on DuckDB, as documented), then a DuckDB run
reuses that stored model, and both partitions of the person records must be identical.
`make test` installs the `spark` extra and a Java runtime; a missing pyspark fails this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.entities import members
from polestar.store.schema import upgrade
from polestar.synth import generate
from tests.linkage.models import ACTOR

runner = CliRunner()
Partition = set[frozenset[tuple[str, str]]]


def _partition(engine: Engine) -> Partition:
    groups: dict[str, set[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for source, key, entity in members(conn, "person"):
            groups.setdefault(entity, set()).add((source, key))
    return {frozenset(group) for group in groups.values()}


def _link(engine_name: str) -> dict[str, object]:
    result = runner.invoke(app, ["link", "--engine", engine_name, "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.mark.spark
def test_spark_and_duckdb_give_the_same_entities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    county = tmp_path / "county"
    generate(county, people=300, seed=11, workers=1)
    url = f"sqlite:///{tmp_path / 'polestar.db'}"
    monkeypatch.setenv("POLESTAR_DATABASE_URL", url)
    monkeypatch.setenv("POLESTAR_DATA_DIR", str(tmp_path / "data"))
    from polestar.settings import get_settings

    get_settings.cache_clear()
    settings = Settings(database_url=url, data_dir=tmp_path / "data")
    engine = create_engine(settings=settings)
    try:
        upgrade(engine)
        ingest(engine, plan_inputs([county]), settings, actor=ACTOR)

        on_spark = _link("spark")
        spark_entities = _partition(engine)
        on_duckdb = _link("duckdb")
        duckdb_entities = _partition(engine)
    finally:
        engine.dispose()
        get_settings.cache_clear()

    assert on_spark["engine"] == "spark"
    assert on_duckdb["engine"] == "duckdb"
    assert on_spark["model_version"] == on_duckdb["model_version"] == 1
    spark_person = on_spark["person"]
    duckdb_person = on_duckdb["person"]
    assert isinstance(spark_person, dict)
    assert isinstance(duckdb_person, dict)
    assert spark_person["records"] <= 1000, spark_person
    assert spark_person["pairs_scored"] == duckdb_person["pairs_scored"]
    # Records that one engine grouped differently from the other, as evidence.
    disagreements = (spark_entities - duckdb_entities, duckdb_entities - spark_entities)
    assert disagreements == (set(), set())
    assert duckdb_person["changed_entities"] == 0
