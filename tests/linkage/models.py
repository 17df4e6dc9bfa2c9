"""A person model trained once and stored into each test's store, so `link` reuses it.

Training costs a few seconds however small the store (Splink's fixed work); tests whose
subject is not training train once per test run (`tests.generated.person_model`) and hand the
model to every test's store, exactly as a second `polestar link` would find it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.run import link
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.link_models import latest_model, save_model
from polestar.store.runs import finish_run, start_run
from polestar.store.schema import upgrade

ACTOR = "cli:test"


def train_person_model(inputs: list[Path], scratch: Path) -> dict[str, Any]:
    """Ingest `inputs` into a new SQLite store in `scratch`, link, return the model trained."""
    scratch.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=f"sqlite:///{scratch / 'train.db'}", data_dir=scratch)
    engine = create_engine(settings=settings)
    try:
        upgrade(engine)
        ingest(engine, plan_inputs(inputs), settings, actor=ACTOR)
        link(engine, settings, actor=ACTOR, warn=lambda _message: None)
        with engine.connect() as conn:
            stored = latest_model(conn, "person")
    finally:
        engine.dispose()
    assert stored is not None, "linking the training store stored no person model"
    return stored.model


def store_person_model(engine: Engine, model: dict[str, Any]) -> None:
    """Save `model` as the store's person model, version 1 (in a run of its own, not `link`)."""
    run_id = start_run(engine, "test", ACTOR)
    with engine.begin() as conn:
        save_model(conn, "person", "duckdb", model, [], 0, run_id)
    finish_run(engine, run_id, "completed", {})
