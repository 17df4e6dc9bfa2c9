"""The canary county (tests/canary.py) behind a real `polestar serve`, with a password for
every demo user, the base layer's geometry and three review items queued, for the browser
journeys: ingested, linked and indexed once per test session (one county, one server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from polestar.access.users import reset_password
from polestar.search import rebuild
from polestar.settings import Settings, get_settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade
from tests.canary import ACTOR, USERS, Seeded, _seed
from tests.canary_review import queue_canary_items
from tests.e2e.servers import serving
from tests.linkage.models import store_person_model

# A small county around Stone, where the canary crimes happened: the base layer's geometry.
STONE = [-2.1613, 52.9044]
GEOMETRY = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"kind": "boundary", "name": "Synthetic county"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-2.3, 52.8], [-2.0, 52.8], [-2.0, 53.0], [-2.3, 53.0], [-2.3, 52.8]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"kind": "town", "name": "Stone"},
            "geometry": {"type": "Point", "coordinates": STONE},
        },
        {
            "type": "Feature",
            "properties": {"kind": "street", "name": "Market Square"},
            "geometry": {"type": "LineString", "coordinates": [[-2.17, 52.90], [-2.15, 52.91]]},
        },
    ],
}


@dataclass(frozen=True)
class County:
    seeded: Seeded
    url: str
    passwords: dict[str, str]
    items: dict[str, int]  # the queued review items (tests/canary_review.py)


@pytest.fixture(scope="session")
def county(
    tmp_path_factory: pytest.TempPathFactory, canary_model: dict[str, Any]
) -> Iterator[County]:
    folder = tmp_path_factory.mktemp("e2e-county")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'polestar.db'}",
        data_dir=folder / "data",
        link_match_threshold=0.9,  # as tests/canary.py: the model knows 300 people
    )
    # The test process writes audit entries too: it must sign them as the server will.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POLESTAR_DATABASE_URL", str(settings.database_url))
        patch.setenv("POLESTAR_DATA_DIR", str(settings.data_dir))
        get_settings.cache_clear()
        engine = create_engine(settings=settings)
        try:
            upgrade(engine)
            store_person_model(engine, canary_model)
            seeded = _seed(engine, settings, folder / "exports")
            rebuild(engine)
            (settings.data_dir / "county.geojson").write_text(json.dumps(GEOMETRY))
            items = queue_canary_items(seeded)
            now = datetime.now(UTC)
            passwords = {
                user: reset_password(engine, user, now, actor=ACTOR, settings=settings).password
                for user in USERS
            }
            with serving(settings) as (url, _process):
                yield County(seeded, url, passwords, items)
        finally:
            engine.dispose()
            get_settings.cache_clear()
