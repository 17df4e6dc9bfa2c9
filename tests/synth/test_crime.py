"""crime.jsonl: intelligence logs, sexual offences with victims, wanted and missing people."""

from __future__ import annotations

from collections import Counter

from conftest import County


def test_intelligence_logs_carry_a_grading(county: County) -> None:
    logs = [c for c in county.crimes if c["type"] == "intelligence"]
    assert len(logs) > 50
    for log in logs:
        assert log["category"] == "intelligence"
        grading = log["grading"]
        assert isinstance(grading, dict)
        assert grading["source"] in "123"
        assert grading["intelligence"] in "ABCDE"
        assert grading["handling"] in "PC"
        assert {p["role"] for p in log["persons"]} == {"subject"}
    assert all(c["grading"] is None for c in county.crimes if c["type"] == "crime")


def test_sexual_offences_have_victims(county: County) -> None:
    sexual = [c for c in county.crimes if c["sexual_offence"]]
    assert len(sexual) > 20
    for crime in sexual:
        assert "victim" in {p["role"] for p in crime["persons"]}


def test_wanted_and_missing_people_are_flagged(county: County) -> None:
    flags: Counter[str] = Counter()
    for crime in county.crimes:
        for person in crime["persons"]:
            flags["wanted"] += person["wanted"]
            flags["missing"] += person["missing"]
    assert flags["wanted"] >= 5
    assert flags["missing"] >= 5


def test_every_role_appears(county: County) -> None:
    roles = Counter(r.role for r in county.persons)
    for role in ("victim", "suspect", "offender", "witness", "reporter", "subject",
                 "arrested-person", "defendant", "occupier", "occupant"):  # fmt: skip
        assert roles[role] > 0, role


def test_markers_carry_codes_and_dates(county: County) -> None:
    markers = [
        marker
        for crime in county.crimes
        for person in crime["persons"]
        for marker in person["markers"]
    ]
    assert markers
    codes = {"VI", "WE", "FI", "EX", "DR", "ES", "SH", "SU", "MH", "IM", "CO", "AG"}
    assert all(m["code"] in codes and len(m["date"]) == 10 for m in markers)
