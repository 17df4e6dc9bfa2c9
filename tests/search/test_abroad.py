"""Another country's postal codes and number plates, mapped `foreign_postcode` and
`foreign_vrm`: kept comparable however they were typed, joined, and found by search."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings

runner = CliRunner()

MAPPING = """
source: anpr
format: csv
key: id
records:
  driver:
    kind: person
    fields:
      name: {path: name, type: full_name}
  home:
    kind: location
    fields:
      address: {path: address, type: address}
      postcode: {path: postcode, type: POSTCODE}
  car:
    kind: object
    object_type: vehicle
    fields:
      vrm: {path: plate, type: VRM}
links:
  - {from: driver, role: resides-at, to: home}
  - {from: driver, role: uses, to: car}
"""
READS = (
    "id,name,address,postcode,plate\n"
    'A1,Jan Kowalski,"12 Ulica Dluga, Warszawa",00-950,WI 12345\n'
    'A2,Jan Kowalski,"12 Ulica Dluga, Warszawa",00 950,wi-12345\n'
    'A3,Hans Muller,"3 Hauptstrasse, Berlin",10115,B-AB 1234\n'
)


def _ingest(folder: Path, postcode: str, vrm: str) -> str:
    (folder / "anpr.csv").write_text(READS)
    mapping = folder / "anpr.yaml"
    mapping.write_text(MAPPING.replace("POSTCODE", postcode).replace("VRM", vrm))
    result = runner.invoke(app, ["ingest", str(folder / "anpr.csv"), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    return result.stderr


def _found(query: str) -> list[str]:
    result = runner.invoke(app, ["search", query, "--purpose", "investigation", "--json"])
    assert result.exit_code == 0, result.output
    return [item["display_name"] for item in json.loads(result.stdout)["results"]]


def test_foreign_plates_and_postal_codes_join_and_are_found(
    settings: Settings, tmp_path: Path
) -> None:
    said = _ingest(tmp_path, "foreign_postcode", "foreign_vrm")
    linked = runner.invoke(app, ["link", "--json"])
    assert runner.invoke(app, ["demo", "users"]).exit_code == 0  # the agreements

    assert "warning" not in said, said
    report = json.loads(linked.stdout)
    assert (report["vehicle"]["records"], report["vehicle"]["entities"]) == (3, 2)
    assert (report["location"]["records"], report["location"]["entities"]) == (3, 2)
    assert _found("wi 12345")[0] == "WI12345"
    assert _found("BAB12")[0] == "BAB1234"
    assert _found("00-950")[0] == "12 Ulica Dluga, Warszawa, 00 950"
    assert _found("00950")[0] == "12 Ulica Dluga, Warszawa, 00 950"


def test_gb_types_refuse_them_and_say_which_type_keeps_them(
    settings: Settings, tmp_path: Path
) -> None:
    said = _ingest(tmp_path, "postcode", "vrm")

    assert "3 location.postcode value(s) kept only as written" in said, said
    assert "maps with type: foreign_postcode" in said, said
    assert "2 vehicle.vrm value(s) kept only as written" in said, said  # BAB1234 is GB-shaped
    assert "maps with type: foreign_vrm" in said, said
