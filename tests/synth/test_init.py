"""`polestar.synth.generate`: the files, the counts, and the same bytes for the same seed."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

import pytest

from conftest import County
from polestar import processes
from polestar.errors import InvalidInput
from polestar.synth import county as county_writer
from polestar.synth import generate

FILES = (
    "crime.jsonl", "incidents.csv", "custody.csv", "fire_incidents.csv", "fire_premises.csv",
    "probation.csv", "courts.xml", "truth.csv", "county.geojson",
)  # fmt: skip


def _hashes(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def test_same_seed_gives_same_bytes_whatever_the_number_of_workers(tmp_path: Path) -> None:
    one = generate(tmp_path / "one", 4500, 11, workers=1)
    two = generate(tmp_path / "two", 4500, 11, workers=2)
    assert one == two
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "two")


def test_workers_from_a_forkserver_write_the_same_bytes(tmp_path: Path) -> None:
    # Another thread running (as under the CLI's spinner) makes generate avoid fork().
    stop = threading.Event()
    spinner = threading.Thread(target=stop.wait)
    spinner.start()
    try:
        generate(tmp_path / "server", 2500, 11, workers=2)
    finally:
        stop.set()
        spinner.join()
    generate(tmp_path / "one", 2500, 11, workers=1)
    assert _hashes(tmp_path / "server") == _hashes(tmp_path / "one")


def test_different_seeds_give_different_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, 1, workers=1)
    generate(tmp_path / "b", 300, 2, workers=1)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert all(a[name] != b[name] for name in FILES)


def test_every_file_is_written(county: County) -> None:
    assert sorted(p.name for p in county.path.iterdir()) == sorted(FILES)


def test_counts_match_the_records_read_back(county: County) -> None:
    counts = county.counts
    assert counts["person"] == len(county.persons)
    assert counts["location"] == len(county.locations)
    assert counts["vehicle"] == len(county.vehicles)
    phones = sum(bool(r.phone) for r in county.persons if r.source != "incidents")
    assert counts["phone"] > phones  # anonymous callers' phones have no person record
    weapons = sum(len(crime["weapons"]) for crime in county.crimes)
    assert counts["weapon"] == weapons > 0
    assert counts["file:crime.jsonl"] == len(county.crimes)
    for name in ("incidents.csv", "custody.csv", "probation.csv"):
        lines = (county.path / name).read_text(encoding="utf-8").count("\n")
        assert counts[f"file:{name}"] == lines - 1


def test_people_appear_in_about_three_person_records_each(county: County) -> None:
    assert 2.7 <= county.counts["person"] / len(county.people) <= 3.4


def test_a_county_needs_people(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        generate(tmp_path, 0, 1)


@pytest.mark.parametrize("people", [1, 2, 2001])
def test_tiny_counties_and_a_last_block_of_one_are_fine(tmp_path: Path, people: int) -> None:
    counts = generate(tmp_path, people, 5, workers=1)
    assert counts["person"] >= 1
    assert counts["file:truth.csv"] == counts["person"] + counts["vehicle"] + counts["location"]


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A forked worker inherits the patched block maker; it dies as a segfaulting one would.
    monkeypatch.setattr(county_writer, "_make_block", _die)
    monkeypatch.setattr(processes, "worker_context", lambda preload: get_context("fork"))
    with pytest.raises(BrokenProcessPool):
        generate(tmp_path / "dead", 2500, 11, workers=2)


def _die(index: int) -> None:
    os._exit(139)
