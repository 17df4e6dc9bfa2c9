"""Fixtures shared by the linkage tests: one county split into what a batch run sees and what
arrives after it, and a person model trained once on the first part (once per test run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from polestar.synth.split import split_exports
from tests import generated

HELD_OUT = 1 / 3  # the share of each export's records that arrive after the batch run


@pytest.fixture(scope="session")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(first exports, later exports, all exports) of one county."""
    county = generated.county(tmp_path_factory, people=400, seed=21)

    def make(root: Path) -> None:
        split_exports(county, root / "first", root / "later", HELD_OUT)

    root = generated.made_once(tmp_path_factory, "split-400-21", make)
    return root / "first", root / "later", county


@pytest.fixture(scope="session")
def model(split: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generated.person_model(tmp_path_factory, split[0])
