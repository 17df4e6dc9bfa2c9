"""`polestar search` finds a record ingested after linking at once: the ingest links it on
arrival and refreshes the search index (ARCHITECTURE.md premise 4)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from polestar.cli import app
from tests.canary import Seeded, canary_copy, canary_model

__all__ = ["canary_copy", "canary_model"]
runner = CliRunner()
NEWCOMER = (
    "custody_ref,arrest_time,surname,forenames,dob,gender,pnc_id,cro_number,address,postcode,"
    "phone,arrest_offence,custody_suite,markers\n"
    "CU-777001,14/03/2025 02:17,ZQARRIVALSON,Zqnewcomer,01/03/1981,M,,,"
    '"4 Zqnewstreet, Stone",ST15 8ZZ,,Assault,Stafford,\n'
)


def _search(*arguments: str) -> Result:
    return runner.invoke(app, ["search", *arguments, "--purpose", "investigation", "--json"])


def test_a_record_ingested_after_linking_is_found_at_once(
    canary_copy: Seeded, tmp_path: Path
) -> None:
    later = tmp_path / "later"
    later.mkdir()
    (later / "custody.csv").write_text(NEWCOMER, encoding="utf-8")

    ingested = runner.invoke(app, ["ingest", str(later)])

    assert ingested.exit_code == 0, ingested.output
    assert "linked on arrival" in ingested.stderr
    result = _search("Zqnewcomer Arivalson")
    assert result.exit_code == 0, result.stderr
    names = [item["display_name"] for item in json.loads(result.stdout)["results"]]
    assert names == ["Zqnewcomer Zqarrivalson"]
    found = _search("ST15 8ZZ", "--kind", "location")
    assert json.loads(found.stdout)["total"] == 1, found.stdout
