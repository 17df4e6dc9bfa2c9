"""The engine's fingerprint: the code that makes a record's rows and the libraries it calls,
so a change to either reaches the records already stored (`sources.engine.mapping_digest`)
with no version raised by hand."""

from __future__ import annotations

import importlib.metadata
import shutil
import zoneinfo
from pathlib import Path

import pytest

from polestar.sources.engine import _PACKAGE, engine_fingerprint, fingerprint_of, libraries_of


def _package(tmp_path: Path) -> Path:
    """A copy of the `polestar` package's Python files, to change."""
    copy = tmp_path / "polestar"
    shutil.copytree(_PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    return copy


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


def test_a_change_to_a_normaliser_the_engine_or_the_row_writer_changes_it(tmp_path: Path) -> None:
    package = _package(tmp_path)
    first = fingerprint_of(package)
    assert first == engine_fingerprint()  # the copy is the code as installed
    seen = {first}
    for changed in ("pole/phones.py", "sources/values.py", "store/records.py"):
        _edit(package / changed)
        now = fingerprint_of(package)
        assert now not in seen, changed
        seen.add(now)


def test_a_change_elsewhere_leaves_it(tmp_path: Path) -> None:
    package = _package(tmp_path)
    first = fingerprint_of(package)
    for elsewhere in ("search/keys.py", "store/search_index.py", "cli/ingest.py"):
        _edit(package / elsewhere)
    assert fingerprint_of(package) == first


def _upgraded(monkeypatch: pytest.MonkeyPatch, library: str) -> None:
    """As if `library` were installed at another version."""
    installed = importlib.metadata.version

    def version(name: str) -> str:
        return "99.0" if name == library else installed(name)

    monkeypatch.setattr(importlib.metadata, "version", version)


@pytest.mark.parametrize(
    ("library", "imported"),
    [
        ("pyproj", True),
        ("defusedxml", True),
        ("nicknames", True),
        ("jellyfish", False),  # search keys
        ("duckdb", False),
        ("fastapi", False),
    ],
)
def test_an_upgrade_changes_it_only_for_a_library_the_row_makers_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, library: str, imported: bool
) -> None:
    package = _package(tmp_path)
    first = fingerprint_of(package)
    _upgraded(monkeypatch, library)
    assert (fingerprint_of(package) != first) == imported


def test_a_new_release_of_the_time_zone_database_changes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The normalisers turn local times into UTC with `zoneinfo`, which reads the system's
    database: a release that moves a clock change moves those times."""
    package = _package(tmp_path)
    first = fingerprint_of(package)
    system = next(Path(folder) for folder in zoneinfo.TZPATH if Path(folder, "tzdata.zi").is_file())
    assert f"tz=={Path(system, 'tzdata.zi').read_text().split()[2]}" in libraries_of(
        [(_PACKAGE / "pole" / "times.py").read_bytes()]
    )
    released = tmp_path / "zoneinfo"
    (released / "Europe").mkdir(parents=True)
    shutil.copy(system / "Europe" / "London", released / "Europe" / "London")
    (released / "tzdata.zi").write_text("# version 2099a\n", encoding="utf-8")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(released), *zoneinfo.TZPATH))
    assert fingerprint_of(package) != first
    # Without a listing, the zone file itself stands for the release.
    (released / "tzdata.zi").unlink()
    assert fingerprint_of(package) != first
