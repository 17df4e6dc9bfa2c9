"""custody.csv: SURNAME in capitals, dd/mm/yyyy dates, marker codes."""

from __future__ import annotations

import csv
import re

from conftest import County


def _rows(county: County) -> list[dict[str, str]]:
    with (county.path / "custody.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_custody_writes_its_own_formats(county: County) -> None:
    rows = _rows(county)
    assert all(row["surname"] == row["surname"].upper() for row in rows)
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", row["arrest_time"]) for row in rows)
    assert all(re.fullmatch(r"(\d{2}/\d{2}/\d{4})?", row["dob"]) for row in rows)
    assert all(re.fullmatch(r"CU-\d{6}", row["custody_ref"]) for row in rows)
    assert any(row["markers"] for row in rows)
    assert any(row["cro_number"] for row in rows)
    assert any(not row["cro_number"] for row in rows)
