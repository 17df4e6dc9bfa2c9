"""Fixtures the command tests share: a small county (50 people), its trained person model,
and the county ingested and linked, built once per dialect and test process and copied."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings
from tests import generated
from tests.conftest import DIALECTS, built_store, copied_store
from tests.linkage.models import store_person_model

runner = CliRunner()


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated.county(tmp_path_factory, people=50, seed=5)


@pytest.fixture(scope="session")
def county_model(county: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return generated.person_model(tmp_path_factory, county)


@dataclass(frozen=True)
class Linked:
    """The county (its exports and truth.csv) and a store it was ingested and linked into."""

    county: Path
    engine: Engine
    settings: Settings


@pytest.fixture(params=DIALECTS)
def linked(
    request: pytest.FixtureRequest,
    county: Path,
    county_model: dict[str, Any],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Linked]:
    """A copy of the county ingested and linked with `polestar ingest` and `polestar link`
    (the model stored first), with `POLESTAR_*` pointing at it."""

    def build(engine: Engine, _settings: Settings) -> None:
        result = runner.invoke(app, ["ingest", str(county)])
        assert result.exit_code == 0, result.output
        store_person_model(engine, county_model)
        result = runner.invoke(app, ["link"])
        assert result.exit_code == 0, result.output

    template, _ = built_store("cli-linked", request.param, build, tmp_path_factory)
    with copied_store(template, tmp_path / "linked") as (engine, settings):
        yield Linked(county, engine, settings)
