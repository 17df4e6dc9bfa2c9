"""fire_incidents.csv and fire_premises.csv: UPRNs always, occupiers named forename first."""

from __future__ import annotations

import csv
import re

from conftest import County
from polestar.pole.identifiers import Uprn


def _rows(county: County, name: str) -> list[dict[str, str]]:
    with (county.path / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_fire_always_records_the_uprn(county: County) -> None:
    for name in ("fire_incidents.csv", "fire_premises.csv"):
        rows = _rows(county, name)
        assert rows
        assert all(Uprn.clean(row["uprn"]) == row["uprn"] for row in rows)


def test_premises_list_hazards_and_risk(county: County) -> None:
    rows = _rows(county, "fire_premises.csv")
    assert {row["risk_level"] for row in rows} <= {"low", "medium", "high", "very high"}
    assert any(";" in row["hazards"] for row in rows)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["last_inspected"]) for row in rows)
    assert all(
        re.fullmatch(r"\d+", row["casualties"]) for row in _rows(county, "fire_incidents.csv")
    )
