"""`split_exports`: each export's records, in order, once across the two halves."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests import generated

from polestar.synth.split import split_exports


def test_each_export_is_cut_once_with_its_header_in_both_halves(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    county = generated.county(tmp_path_factory, people=50, seed=5)
    first, later = tmp_path / "first", tmp_path / "later"

    split_exports(county, first, later, 0.25)

    exports = sorted(
        p.name for p in county.iterdir() if p.name not in ("truth.csv", "county.geojson")
    )
    assert sorted(p.name for p in first.iterdir()) == exports
    for path in county.iterdir():
        if path.suffix not in (".csv", ".jsonl") or path.name == "truth.csv":
            continue
        lines = path.read_bytes().splitlines(keepends=True)
        header = lines[:1] if path.suffix == ".csv" else []
        before = (first / path.name).read_bytes().splitlines(keepends=True)
        after = (later / path.name).read_bytes().splitlines(keepends=True)
        assert before[: len(header)] == after[: len(header)] == header, path.name
        records = lines[len(header) :]
        assert before[len(header) :] + after[len(header) :] == records, path.name
        assert len(after) - len(header) == int(len(records) * 0.25), path.name
    for path in county.iterdir():
        if path.suffix not in (".csv", ".jsonl", ".geojson"):
            assert (first / path.name).read_bytes() == path.read_bytes(), path.name
            assert not (later / path.name).exists(), path.name
