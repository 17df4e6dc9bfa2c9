"""Fixtures shared by the linkage tests: one county split into what a batch run sees and what
arrives after it, and a person model trained once on the first part (once per test run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import generated

HELD_OUT = 1 / 3  # the share of each export's records that arrive after the batch run


@pytest.fixture(scope="session")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(first exports, later exports, all exports) of one county."""
    county = generated.county(tmp_path_factory, people=400, seed=21)

    def make(root: Path) -> None:
        first, later = root / "first", root / "later"
        first.mkdir(parents=True)
        later.mkdir()
        for path in county.iterdir():
            if path.name in ("truth.csv", "county.geojson"):
                continue
            if path.suffix in (".csv", ".jsonl"):
                lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
                header = lines[:1] if path.suffix == ".csv" else []
                body = lines[len(header) :]
                cut = len(body) - int(len(body) * HELD_OUT)
                (first / path.name).write_text("".join(header + body[:cut]), encoding="utf-8")
                (later / path.name).write_text("".join(header + body[cut:]), encoding="utf-8")
            else:
                (first / path.name).write_bytes(path.read_bytes())

    root = generated.made_once(tmp_path_factory, "split-400-21", make)
    return root / "first", root / "later", county


@pytest.fixture(scope="session")
def model(split: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generated.person_model(tmp_path_factory, split[0])
