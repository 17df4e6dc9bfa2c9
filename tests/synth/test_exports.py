"""The exports against the contract in docs/sources.md: file shapes, columns, unique keys."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DefusedET
import pytest

from conftest import County

SOURCES_DOC = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
CSV_KEYS = {
    "custody.csv": "custody_ref",
    "incidents.csv": "incident_ref",
    "fire_incidents.csv": "incident_number",
    "fire_premises.csv": "premises_id",
    "probation.csv": "crn",
}


def _section(filename: str) -> str:
    text = SOURCES_DOC.read_text(encoding="utf-8")
    start = text.index(f"## `{filename}`")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def documented_columns(filename: str) -> list[str]:
    """The columns docs/sources.md gives a CSV export: its table's first cells, or its list."""
    section = _section(filename)
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    if rows:
        return [c for row in rows for c in re.findall(r"`(\w+)`", row.split("|")[1])]
    listing = re.sub(r"\([^()]*\)", "", section.split("\n", 1)[1].split("Yields")[0])
    return re.findall(r"`(\w+)`", listing)


def documented_example(filename: str, fence: str) -> str:
    """The fenced example in the export's section of docs/sources.md."""
    section = _section(filename)
    return section.split(f"```{fence}\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("filename", sorted(CSV_KEYS))
def test_csv_has_exactly_the_documented_columns_and_unique_keys(
    county: County, filename: str
) -> None:
    raw = (county.path / filename).read_bytes()
    assert b"\r\n" not in raw
    with (county.path / filename).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert header == documented_columns(filename)
    assert rows
    assert all(len(row) == len(header) for row in rows)
    keys = Counter(row[header.index(CSV_KEYS[filename])] for row in rows)
    assert keys.most_common(1)[0][1] == 1


def _shape(value: Any) -> Any:
    """Keys of nested dicts (first element of lists), to compare with the documented example."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list) and value:
        return [_shape(value[0])]
    return None


def _merge(shape: Any, other: Any) -> Any:
    if isinstance(shape, dict) and isinstance(other, dict):
        return {k: _merge(shape.get(k), other.get(k)) for k in {*shape, *other}}
    if isinstance(shape, list) or isinstance(other, list):
        return [_merge((shape or [None])[0], (other or [None])[0])]
    return shape if shape is not None else other


def test_crime_lines_have_the_documented_keys(county: County) -> None:
    example = json.loads(documented_example("crime.jsonl", "json"))
    expected = _shape(example)
    expected["grading"] = {"source": None, "intelligence": None, "handling": None}
    seen: Any = None
    for crime in county.crimes:
        assert set(crime) == set(example)
        seen = _merge(seen, _shape(crime))
    assert seen == expected


def test_crime_keys_are_unique(county: County) -> None:
    refs = Counter(crime["crime_ref"] for crime in county.crimes)
    assert refs.most_common(1)[0][1] == 1
    for kind in ("person", "location", "vehicle"):
        keys = Counter(
            k for (k_kind, source, k) in county.truth if k_kind == kind and source == "crime"
        )
        assert keys
        assert keys.most_common(1)[0][1] == 1


def test_courts_xml_parses_and_follows_the_documented_elements(county: County) -> None:
    example = DefusedET.fromstring(documented_example("courts.xml", "xml"))
    root = DefusedET.parse(county.path / "courts.xml").getroot()
    assert root.tag == example.tag
    assert set(root.attrib) == set(example.attrib)
    documented = {child.tag for child in example.find("case/defendant")}
    cases = root.findall("case")
    assert len(cases) == county.counts["file:courts.xml"]
    numbers = Counter(case.get("number") for case in cases)
    assert numbers.most_common(1)[0][1] == 1
    ids = Counter(d.get("id") for d in root.iter("defendant"))
    assert ids.most_common(1)[0][1] == 1
    for case in cases:
        assert [c.tag for c in case][:2] == ["court", "hearing"]
        assert case[-1].tag == "outcome"
        for defendant in case.findall("defendant"):
            tags = {child.tag for child in defendant}
            assert {"name", "address", "charges"} <= tags <= documented
