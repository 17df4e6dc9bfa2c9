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


def test_home_shows_counts_per_source_and_kind(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    _ingest(settings, tmp_path)
    response = client.get("/")
    assert response.status_code == 200, response.text
    page = BeautifulSoup(response.text, "html.parser")
    header = [th.get_text() for th in page.select("#sources thead th")]
    rows = {
        row.th.get_text(): [td.get_text() for td in row.select("td")]
        for row in page.select("#sources tbody tr")
    }
    custody = dict(zip(header[1:], rows["custody"], strict=True))
    assert custody == {
        "source records": "3",
        "person": "3",
        "object": "1",
        "location": "3",
        "event": "3",
    }
    assert rows["crime"][0] == "1"


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
