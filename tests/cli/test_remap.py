"""`polestar ingest` with a corrected mapping: a record stored under the old one is mapped
again, linked again and found by search under its corrected values."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from polestar.cli import app
from polestar.sources.mapping import MAPPINGS_DIR
from tests.canary import Seeded, canary_copy, canary_model
from tests.cli.test_search_on_arrival import NEWCOMER
from tests.cli.test_search_on_arrival import _search as search

__all__ = ["canary_copy", "canary_model"]
runner = CliRunner()


def _names(query: str) -> list[str]:
    result = search(query, "--kind", "person")
    assert result.exit_code == 0, result.stderr
    return [item["display_name"] for item in json.loads(result.stdout)["results"]]


def test_a_corrected_mapping_reaches_a_record_already_linked_and_indexed(
    canary_copy: Seeded, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    later.mkdir()
    (later / "custody.csv").write_text(NEWCOMER, encoding="utf-8")
    built_in = (MAPPINGS_DIR / "custody.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"  # forenames read from the custody suite's column
    wrong.write_text(
        built_in.replace("path: forenames,", "path: custody_suite,"),
        encoding="utf-8",
    )
    first = runner.invoke(app, ["ingest", str(later), "--mapping", str(wrong)])
    assert first.exit_code == 0, first.output
    assert _names("Stafford Zqarrivalson") == ["Stafford Zqarrivalson"]

    corrected = runner.invoke(app, ["ingest", str(later), "--json"])

    assert corrected.exit_code == 0, corrected.output
    total = json.loads(corrected.stdout)["total"]
    assert (total["read"], total["unchanged"], total["remapped"]) == (1, 1, 1), total
    assert _names("Zqnewcomer Zqarrivalson") == ["Zqnewcomer Zqarrivalson"]
    assert "Stafford Zqarrivalson" not in _names("Stafford Zqarrivalson")
    unchanged = runner.invoke(app, ["ingest", str(later)])
    assert "mapped again" not in unchanged.stdout
    back = runner.invoke(app, ["ingest", str(later), "--mapping", str(wrong)])
    assert "1 unchanged record(s) mapped again to other rows" in back.stdout
