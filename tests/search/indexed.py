"""The canary store's search index, built once per module as `polestar link` builds it."""

from __future__ import annotations

import pytest

from polestar.search import rebuild
from tests.canary import Seeded


@pytest.fixture(scope="module", autouse=True)
def indexed(canary: Seeded) -> None:
    """Build the index over the canary store (the CLI does so after every `link`)."""
    rebuild(canary.engine)
