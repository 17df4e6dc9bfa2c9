"""incidents.csv: call handlers' free text, callers' names and phone numbers as given."""

from __future__ import annotations

import csv
import re

from conftest import County


def _rows(county: County) -> list[dict[str, str]]:
    with (county.path / "incidents.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_incident_refs_carry_the_call_date(county: County) -> None:
    for row in _rows(county):
        match = re.fullmatch(r"INC-(\d{8})-\d{4}", row["incident_ref"])
        assert match
        assert match[1] == row["call_time"][:10].replace("-", "")


def test_locations_are_free_text_and_phones_come_in_many_formats(county: County) -> None:
    rows = _rows(county)
    texts = [row["location_text"] for row in rows]
    assert any(text.startswith("o/s ") for text in texts)
    assert any(re.search(r"\d+ \w+", text) for text in texts)
    phones = {re.sub(r"\d", "9", row["caller_phone"]) for row in rows if row["caller_phone"]}
    assert len(phones) >= 5
    assert {"Anonymous", ""} <= {row["caller_name"] for row in rows}
