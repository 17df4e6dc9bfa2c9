"""The canary store's search index, built once per module as `polestar link` builds it, and
what the index holds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.search import rebuild
from polestar.store.tables import search_key_tables, search_keys, search_keys_recent
from tests.canary import Seeded


@pytest.fixture(scope="module", autouse=True)
def indexed(canary: Seeded) -> None:
    """Build the index over the canary store (the CLI does so after every `link`)."""
    rebuild(canary.engine)


def index_keys(engine: Engine, *, recent: bool | None = None) -> set[tuple[str, str, int]]:
    """(key, entity_id, record_id) of every key search reads: the full build's and the
    arrivals' tables, or only one of them (`recent`)."""
    if recent is None:
        tables = search_key_tables
    else:
        tables = (search_keys_recent,) if recent else (search_keys,)
    with engine.connect() as conn:
        return {
            (key, entity, record)
            for table in tables
            for key, entity, record in conn.execute(
                sa.select(table.c.key, table.c.entity_id, table.c.record_id)
            )
        }
