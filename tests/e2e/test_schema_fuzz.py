"""Schemathesis against `/api/v1/openapi.json` on a real `polestar serve` (issue 7, point 5).

A small generated county is ingested and linked; the demo administrator (scopes read, review
and admin) calls every operation with a stated purpose. No answer may be a 5xx, and every
answer must be one the schema declares, shaped as it says (the error envelope included).
Bounded: `MAX_EXAMPLES` per operation, well inside the three minutes `make test` allows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from polestar.access.demo import demo_users
from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.linkage.run import link
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.store.entities import members
from polestar.store.schema import upgrade
from polestar.synth import generate
from polestar.web.app import create_app
from tests.e2e.servers import serving

ACTOR = "cli:test"
KINDS = {"person": "/api/v1/persons/{entity_id}", "vehicle": "/api/v1/vehicles/{entity_id}",
         "location": "/api/v1/locations/{entity_id}"}  # fmt: skip
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The document the app serves at /api/v1/openapi.json (`served` checks the server's is it).
# Loaded at import, as `@schema.parametrize` needs it; schemathesis's lazy `from_fixture`
# does not run under pytest 9.
DOCUMENT = create_app(Settings(database_url="sqlite://", data_dir=Path("unused"))).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@dataclass(frozen=True)
class Served:
    url: str
    headers: dict[str, str]
    entities: dict[str, str]  # by kind


def _county(folder: Path) -> tuple[Settings, str, dict[str, str]]:
    """A 100-person county, ingested and linked, with the demo users: its settings, the demo
    administrator's token and the entity with most records of each kind."""
    generate(folder / "county", people=100, seed=3, workers=1)
    settings = Settings(database_url=f"sqlite:///{folder / 'polestar.db'}", data_dir=folder)
    engine = create_engine(settings=settings)
    try:
        upgrade(engine)
        ingest(engine, plan_inputs([folder / "county"]), settings, actor=ACTOR)
        link(engine, settings, actor=ACTOR, warn=lambda _message: None)
        tokens = demo_users(engine, datetime.now(UTC), actor=ACTOR, settings=settings)
        with engine.connect() as conn:
            # The entity with most records: the fullest profile of its kind.
            entities = {
                kind: Counter(e for _, _, e in members(conn, kind)).most_common(1)[0][0]
                for kind in KINDS
            }
    finally:
        engine.dispose()
    return settings, next(t.token for t in tokens if t.username == "home-admin"), entities


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings, token, entities = _county(folder)
    with pytest.MonkeyPatch.context() as patch:
        # One caller makes every request: at the usual limit most answers would be 429s.
        patch.setenv("POLESTAR_RATE_LIMIT_PER_MINUTE", "100000")
        with serving(settings, folder / "server.log") as (url, _process):
            # What is fuzzed is what the server serves.
            assert httpx.get(f"{url}/api/v1/openapi.json", timeout=10).json() == DOCUMENT
            yield Served(
                url,
                {"Authorization": f"Bearer {token}", "X-Polestar-Purpose": "investigation"},
                entities,
            )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_its_schema_says(
    case: schemathesis.Case, served: Served
) -> None:
    case.call_and_validate(base_url=served.url, headers=served.headers, checks=CHECKS, timeout=30)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_real_entities_answer_as_the_schema_says(served: Served, kind: str) -> None:
    """Random ids are mostly 404s: a real entity of each kind, with every section filled in
    as the county has it, must match the schema too."""
    case = schema[KINDS[kind]]["GET"].Case(path_parameters={"entity_id": served.entities[kind]})
    response = case.call_and_validate(
        base_url=served.url, headers=served.headers, checks=CHECKS, timeout=30
    )
    assert response.status_code == 200, response.text
