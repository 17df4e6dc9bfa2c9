"""A generated county of 400 people, ingested, linked and indexed once per module and dialect:
names many people share, for what the canary county's few cannot show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.access.demo import demo_users
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.run import link
from polestar.search import rebuild
from polestar.settings import Settings
from tests import generated
from tests.conftest import DIALECTS, store_url
from tests.ingest.exports import write_custody
from tests.linkage.models import store_person_model

ACTOR = "cli:test"


def searchable(engine: Engine, settings: Settings, exports: Path, model: dict[str, Any]) -> None:
    """Ingest `exports` and link them with `model`, then index them and add the demo users: a
    store as `polestar ingest` and `polestar link` leave it, ready to search."""
    store_person_model(engine, model)
    ingest(engine, plan_inputs([exports]), settings, actor=ACTOR)
    link(engine, settings, actor=ACTOR, warn=lambda _message: None)
    rebuild(engine)
    demo_users(engine, datetime.now(UTC), actor=ACTOR, settings=settings)


def custody_row(
    tag: str,
    number: int,
    surname: str,
    forename: str,
    born: str,
    *,
    sex: str = "M",
    address: str | None = None,
    postcode: str = "ST16 2DJ",
) -> str:
    """One custody export row (`write_custody`): a person detained on 14 March 2024 and living
    at `address`, by default `<number> Park Road, Stafford`."""
    home = address or f"{number} Park Road, Stafford"
    return (
        f"CU-{tag}-{number:04d},14/03/2024 02:17,{surname},{forename},{born},{sex},,,"
        f'"{home}",{postcode},,Assault,Stafford,'
    )


def searchable_custody(
    engine: Engine, settings: Settings, folder: Path, rows: list[str], model: dict[str, Any]
) -> Engine:
    """A store of these custody export rows (`write_custody`), made `searchable`."""
    exports = folder / "exports"
    exports.mkdir()
    write_custody(exports, rows)
    searchable(engine, settings, exports, model)
    return engine


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated.county(tmp_path_factory, people=400, seed=23)


@pytest.fixture(
    scope="module",
    params=DIALECTS,
)
def linked(
    request: pytest.FixtureRequest,
    county: Path,
    canary_model: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, Settings]]:
    """The county ingested, linked and indexed, once per dialect."""
    from polestar.store.engine import create_engine

    folder = tmp_path_factory.mktemp("search-store")
    with store_url(request.param, folder) as url:
        settings = Settings(database_url=url, data_dir=folder / "data")
        engine = create_engine(settings=settings)
        try:
            searchable(engine, settings, county, canary_model)
            yield engine, settings
        finally:
            engine.dispose()
