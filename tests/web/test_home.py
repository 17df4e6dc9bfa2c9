"""The home page in-process: counts per source and kind, quarantine reasons, no personal data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from polestar.ingest.pipeline import ingest, plan_inputs
from polestar.settings import Settings
from polestar.store.engine import create_engine
from polestar.web.app import create_app
from polestar.web.pages import home
from tests.ingest.exports import CUSTODY_ROWS, write_crime, write_custody


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


def _ingest(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_custody(folder, [*CUSTODY_ROWS, "CU-000009,oops"])
    write_crime(folder)
    engine = create_engine(settings=settings)
    ingest(engine, plan_inputs([folder]), settings, actor="cli:test")
    engine.dispose()


def _counts(client: TestClient) -> dict[str, dict[str, str]]:
    """The home page's counts: per source, per column heading."""
    response = client.get("/")
    assert response.status_code == 200, response.text
    page = BeautifulSoup(response.text, "html.parser")
    header = [th.get_text() for th in page.select("#sources thead th")]
    counts = {}
    for row in page.select("#sources tbody tr"):
        if row.th is None:  # an empty store's one row, which says so
            continue
        cells = [td.get_text() for td in row.select("td")]
        counts[row.th.get_text()] = dict(zip(header[1:], cells, strict=True))
    return counts


def test_home_shows_counts_per_source_and_kind(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    _ingest(settings, tmp_path)
    rows = _counts(client)
    custody = rows["custody"]
    assert custody == {
        "source records": "3",
        "person": "3",
        "object": "1",
        "location": "3",
        "event": "3",
    }
    assert rows["crime"]["source records"] == "1"


def test_home_counts_again_only_once_its_counts_are_a_minute_old(
    client: TestClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting reads the whole store, and the page is open to anyone: a process counts at
    most once a minute, however often it is asked."""
    now = [1_000.0]
    monkeypatch.setattr(home, "_clock", lambda: now[0])
    assert "custody" not in _counts(client)
    _ingest(settings, tmp_path)

    now[0] += 59
    assert "custody" not in _counts(client)  # the counts of 59 s ago
    now[0] += 1
    assert _counts(client)["custody"]["source records"] == "3"


def test_home_shows_quarantine_reasons_but_no_personal_data(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    _ingest(settings, tmp_path)
    response = client.get("/")
    page = BeautifulSoup(response.text, "html.parser")
    cells = [td.get_text() for td in page.select("#quarantine tbody td")]
    assert cells == ["custody", "expected 14 fields, got 2", "1"]
    # The CSRF token is random hex and may contain "1980" by chance.
    token = page.select_one('meta[name="csrf-token"]')
    text = response.text.replace(str(token["content"]), "") if token else response.text
    for personal in ("Smith", "SMITH", "O'Brien", "1980", "oops", "ST15"):
        assert personal not in text
