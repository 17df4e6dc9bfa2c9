"""The canary county (tests/canary.py) behind a real `polestar serve`, with a password for
every demo user, for browser journeys: ingested, linked and indexed once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from polestar.access.users import reset_password
from polestar.search import rebuild
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade
from tests.canary import ACTOR, USERS, Seeded, _seed
from tests.e2e.servers import serving
from tests.linkage.models import store_person_model


@dataclass(frozen=True)
class County:
    seeded: Seeded
    url: str
    passwords: dict[str, str]


@pytest.fixture(scope="module")
def county(
    tmp_path_factory: pytest.TempPathFactory, canary_model: dict[str, Any]
) -> Iterator[County]:
    folder = tmp_path_factory.mktemp("e2e-county")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'polestar.db'}",
        data_dir=folder / "data",
        link_match_threshold=0.9,  # as tests/canary.py: the model knows 300 people
    )
    engine = create_engine(settings=settings)
    try:
        upgrade(engine)
        store_person_model(engine, canary_model)
        seeded = _seed(engine, settings, folder / "exports")
        rebuild(engine)
        now = datetime.now(UTC)
        passwords = {
            user: reset_password(engine, user, now, actor=ACTOR).password for user in USERS
        }
        with serving(settings) as (url, _process):
            yield County(seeded, url, passwords)
    finally:
        engine.dispose()
