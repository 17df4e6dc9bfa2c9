"""A canary county of its own per test and dialect: disposal changes the store, so the
module-scoped `canary` of tests.canary (read-only by contract) cannot be shared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.canary import Seeded, canary_model, copied_canary
from tests.conftest import DIALECTS

__all__ = ["canary_model"]


@pytest.fixture(params=DIALECTS)
def seeded(
    request: pytest.FixtureRequest,
    canary_model: dict[str, Any],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Seeded]:
    """A copy of the canary county in this test's folder (see tests.canary)."""
    # The model was trained on 300 people; on a store this small its scores land 0.9–0.99.
    monkeypatch.setenv("POLESTAR_LINK_MATCH_THRESHOLD", "0.9")
    with copied_canary(request.param, tmp_path, canary_model, tmp_path_factory) as seeded:
        yield seeded
