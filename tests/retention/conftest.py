"""A canary county of its own per test and dialect: disposal changes the store, so the
module-scoped `canary` of tests.canary (read-only by contract) cannot be shared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from polestar.settings import Settings
from tests.canary import Seeded, _seed, canary_model
from tests.linkage.models import store_person_model

__all__ = ["canary_model"]


@pytest.fixture
def seeded(
    db: Engine,
    settings: Settings,
    canary_model: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Seeded:
    """The canary county ingested and linked into this test's store (see tests.canary)."""
    # The model was trained on 300 people; on a store this small its scores land 0.9–0.99.
    monkeypatch.setenv("POLESTAR_LINK_MATCH_THRESHOLD", "0.9")
    tuned = settings.model_copy(update={"link_match_threshold": 0.9})
    store_person_model(db, canary_model)
    return _seed(db, tuned, tmp_path / "exports")
