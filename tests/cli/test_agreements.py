"""`polestar agreements load|list`: the shipped agreements by default, every error at once."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings

runner = CliRunner()


def test_load_stores_the_shipped_agreements_once(settings: Settings) -> None:
    first = runner.invoke(app, ["agreements", "load", "--json"])
    assert first.exit_code == 0, first.output
    loaded = json.loads(first.stdout)["agreements"]
    assert len(loaded) == 6
    assert all(item["changed"] and item["version"] == 1 for item in loaded)
    again = json.loads(runner.invoke(app, ["agreements", "load", "--json"]).stdout)
    assert not any(item["changed"] for item in again["agreements"])


def test_list_shows_each_organisations_agreement(settings: Settings) -> None:
    runner.invoke(app, ["agreements", "load"])
    result = runner.invoke(app, ["agreements", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = {item["organisation"]: item for item in json.loads(result.stdout)["agreements"]}
    assert set(listed) == {"home-force", "neighbour-force", "fire", "cps", "courts", "probation"}
    assert set(listed["probation"]) >= {
        "version",
        "title",
        "lawful_basis",
        "starts",
        "ends",
        "in_force",
        "purposes",
        "kinds",
        "categories",
        "sensitive",
    }
    assert listed["probation"]["purposes"] == ["offender-management"]


def test_a_broken_file_exits_2_listing_every_problem(settings: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "organisation: nowhere\ntitle: t\nlawful_basis: b\nstarts: 2025-01-01\n"
        "purposes: [gossip]\ngrants: [{kind: person, fields: [shoe_size]}]\n"
    )
    result = runner.invoke(app, ["agreements", "load", str(broken), "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for field in ("organisation", "purposes", "grants[0].fields"):
        assert f"broken.yaml: {field}:" in result.stderr
    listed = json.loads(runner.invoke(app, ["agreements", "list", "--json"]).stdout)
    assert listed == {"agreements": []}
