"""Small hand-written exports in each source's shape (docs/sources.md), for ingest tests."""

from __future__ import annotations

import json
from pathlib import Path

CUSTODY_HEADER = (
    "custody_ref,arrest_time,surname,forenames,dob,gender,pnc_id,cro_number,address,postcode,"
    "phone,arrest_offence,custody_suite,markers"
)
CUSTODY_ROWS = [
    "CU-000001,14/03/2024 02:17,SMITH,John Paul,01/03/1980,M,2009/0123456C,,"
    '"12 Mill Lane, Stone",st15 8ab,07700 900123,Assault,Stafford,VI;WE',
    'CU-000002,15/03/2024 11:00,O\'BRIEN,Mary,31/02/1985,F,,,"4 Park Road, Stafford",ST16 2DJ,'
    ",Theft,Stafford,",
    'CU-000003,27/10/2024 01:30,JONES,Dai,12/12/1990,M,,,"1 High St, Leek",ST13 5AA,,'
    "Drunk and disorderly,Leek,",
]


def write_custody(folder: Path, rows: list[str] | None = None, encoding: str = "utf-8") -> Path:
    path = folder / "custody.csv"
    lines = [CUSTODY_HEADER, *(CUSTODY_ROWS if rows is None else rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def crime_line(ref: str = "CR-24-000001", **overrides: object) -> dict[str, object]:
    crime: dict[str, object] = {
        "crime_ref": ref,
        "type": "crime",
        "recorded_at": "2024-03-14T09:30:00",
        "occurred_at": "2024-03-13T22:00:00",
        "category": "burglary",
        "offence": "Burglary - residential",
        "outcome": "Under investigation",
        "sexual_offence": False,
        "summary": "Entry forced at rear.",
        "location": {
            "lines": ["12 Mill Lane"],
            "town": "Stone",
            "postcode": "ST15 8AB",
            "uprn": "100031644123",
            "easting": 389000,
            "northing": 333000,
        },
        "persons": [
            {
                "nominal_id": "NOM-0001234",
                "role": "suspect",
                "forename": "John",
                "surname": "Smith",
                "dob": "1980-03-01",
                "gender": "M",
                "pnc_id": "2009/0123456C",
                "phone": "07700900123",
                "address": {"lines": ["4 Park Road"], "town": "Stafford", "postcode": "ST16 2DJ"},
                "markers": [{"code": "VI", "date": "2021-06-01"}],
                "aliases": [{"forename": "Jon", "surname": "Smyth"}],
                "wanted": True,
                "missing": False,
            },
            {"role": "victim", "forename": "Ann", "surname": "Lee", "dob": "1975-07-04"},
        ],
        "vehicles": [
            {
                "vrm": "ab12 cde",
                "make": "Ford",
                "model": "Focus",
                "colour": "Blue",
                "role": "used",
                "person_index": 0,
            }
        ],
        "weapons": [{"type": "knife", "description": "kitchen knife"}],
        "grading": None,
    }
    crime.update(overrides)
    return crime


def write_crime(folder: Path, lines: list[object] | None = None) -> Path:
    path = folder / "crime.jsonl"
    items = lines if lines is not None else [crime_line()]
    path.write_text(
        "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items),
        encoding="utf-8",
    )
    return path


COURTS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<listings court_system="HMCTS-synthetic" generated="2024-06-01">
  <case number="T20247001">
    <court>Stafford Crown Court</court>
    <hearing date="2024-05-02" time="10:00" type="Trial"/>
    <defendant id="D-000123">
      <name>SMITH, John Paul</name>
      <dob>1980-03-01</dob>
      <gender>M</gender>
      <pnc_id>2009/0123456C</pnc_id>
      <address><line>12 Mill Lane</line><town>Stone</town><postcode>ST15 8AB</postcode></address>
      <charges><charge><offence>Burglary</offence><plea>Not guilty</plea></charge></charges>
    </defendant>
    <defendant id="D-000124">
      <name>JONES, Dai</name>
      <dob>1990-12-12</dob>
    </defendant>
    <outcome>Adjourned</outcome>
  </case>
</listings>
"""


def write_courts(folder: Path, text: str = COURTS_XML) -> Path:
    path = folder / "courts.xml"
    path.write_text(text, encoding="utf-8")
    return path
