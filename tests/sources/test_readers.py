"""Readers on malformed files: every bad record is yielded with its reason and reading goes on."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest

from polestar.errors import UnreadableInput
from polestar.sources.mapping import Mapping, builtin_mappings
from polestar.sources.readers import KEEP_BYTES, RawRecord, detect_encoding, read_records
from tests.ingest.exports import COURTS_XML, CUSTODY_HEADER, CUSTODY_ROWS, crime_line

MAX_FIELD = 1024 * 1024
MAPPINGS = {mapping.source: mapping for mapping in builtin_mappings()}

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE listings [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<listings><case number="T1"><court>&lol9;</court></case></listings>
"""


def read(path: Path, source: str, warnings: list[str] | None = None) -> list[RawRecord]:
    sink = warnings if warnings is not None else []
    return list(read_records(path, MAPPINGS[source], MAX_FIELD, sink.append))


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def summary(records: list[RawRecord]) -> list[tuple[str, str | None]]:
    return [(record.locator, record.error) for record in records]


def test_truncated_json_line_is_yielded_with_a_json_reason_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    whole = json.dumps(crime_line("CR-24-000002"))
    lines = [json.dumps(crime_line("CR-24-000001")), whole[: len(whole) // 2], whole]
    path = tmp_path / "crime.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = read(path, "crime")
    assert [r.locator for r in records] == ["line 1", "line 2", "line 3"], summary(records)
    assert records[1].data is None
    assert records[1].error is not None
    assert records[1].error.startswith("not valid JSON"), records[1].error
    assert records[1].text == lines[1]
    assert [r.data["crime_ref"] for r in (records[0], records[2]) if r.data] == [
        "CR-24-000001",
        "CR-24-000002",
    ]


def test_json_line_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crime.jsonl"
    path.write_text('["CR-24-000001"]\n', encoding="utf-8")
    [record] = read(path, "crime")
    assert record.error == "a JSON list, not an object"


def test_cp1252_file_is_read_as_cp1252_with_every_character_and_a_warning(
    tmp_path: Path,
) -> None:
    row = (
        "CU-000001,14/03/2024 02:17,O’BRIEN,José,01/03/1980,M,,,"
        '"1 Rue Café, Leek",,,£50 theft,Leek,'
    )
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, row], encoding="cp1252")
    warnings: list[str] = []
    [record] = read(path, "custody", warnings)
    assert record.data is not None, record.error
    assert record.data["surname"] == "O’BRIEN"
    assert record.data["forenames"] == "José"
    assert record.data["arrest_offence"] == "£50 theft"
    assert warnings == ["custody.csv is not UTF-8: read as cp1252 (set encoding: to choose)"]


def test_declared_encoding_is_used_without_a_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["name", "Zoë"], encoding="latin-1")
    assert detect_encoding(path, "latin-1") == ("latin-1", None)


def test_bad_byte_after_the_first_megabyte_is_still_noticed(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a" * (3 * 1024 * 1024) + "é".encode("cp1252"))
    encoding, warning = detect_encoding(path, None)
    assert encoding == "cp1252"
    assert warning is not None


def test_bom_does_not_pollute_the_first_column_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, CUSTODY_ROWS[0]], "utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    [record] = read(path, "custody")
    assert record.data is not None, record.error
    assert next(iter(record.data)) == "custody_ref"
    assert record.data["custody_ref"] == "CU-000001"


def test_missing_required_column_makes_the_whole_file_unreadable(tmp_path: Path) -> None:
    header = CUSTODY_HEADER.replace(",arrest_time", "")
    row = CUSTODY_ROWS[0].replace(",14/03/2024 02:17", "")
    path = write_csv(tmp_path / "custody.csv", [header, row])
    with pytest.raises(UnreadableInput, match="no column 'arrest_time'"):
        read(path, "custody")


def test_row_with_an_extra_field_says_how_many_it_expected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "custody.csv", [CUSTODY_HEADER, CUSTODY_ROWS[0] + ",surplus", CUSTODY_ROWS[1]]
    )
    extra, good = read(path, "custody")
    assert extra.error == "expected 14 fields, got 15"
    assert extra.key == "CU-000001"
    assert good.data is not None, good.error


def test_ten_megabyte_field_is_refused_keeping_64_kib_and_the_true_size(tmp_path: Path) -> None:
    huge = CUSTODY_ROWS[0].replace("Assault", "A" * (10 * 1024 * 1024))
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, huge, CUSTODY_ROWS[1]])
    big, good = read(path, "custody")
    assert big.error is not None
    assert "'arrest_offence' is 10,485,7" in big.error, big.error
    assert len(big.text.encode()) == KEEP_BYTES
    assert big.size >= 10 * 1024 * 1024
    assert good.data is not None, good.error


def test_field_over_the_csv_modules_own_limit_but_under_ours_is_read(tmp_path: Path) -> None:
    summary_text = "B" * 200_000  # the csv module refuses fields over 128 KiB by default
    row = CUSTODY_ROWS[0].replace("Assault", summary_text)
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, row])
    [record] = read(path, "custody")
    assert record.data is not None, record.error
    assert record.data["arrest_offence"] == summary_text


def test_ten_megabyte_json_field_is_refused_with_its_true_size(tmp_path: Path) -> None:
    path = tmp_path / "crime.jsonl"
    line = json.dumps(crime_line(summary="S" * (10 * 1024 * 1024)))
    path.write_text(line + "\n", encoding="utf-8")
    [record] = read(path, "crime")
    assert record.error is not None
    assert "'summary'" in record.error
    assert len(record.text.encode()) <= KEEP_BYTES
    assert record.size == len(line.encode())


def test_entity_bomb_is_refused_quickly_without_expanding(tmp_path: Path) -> None:
    path = tmp_path / "courts.xml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(UnreadableInput, match="entities") as raised:
        read(path, "courts")
    elapsed = time.perf_counter() - started
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert elapsed < 2, f"took {elapsed:.2f}s"
    assert grown_kib < 64 * 1024, f"peak memory grew {grown_kib:,} KiB"
    assert "EntitiesForbidden" in raised.value.message


def test_malformed_xml_yields_the_cases_before_the_break_then_the_rest_as_one(
    tmp_path: Path,
) -> None:
    second = COURTS_XML.split("<case ")[1].replace('"T20247001"', '"T20247002"')
    broken = '<case number="T20247003"><court>Leek</cort></case>\n<case number="T4"></case>\n'
    text = COURTS_XML.replace("</listings>", f"<case {second}{broken}</listings>")
    path = tmp_path / "courts.xml"
    path.write_text(text, encoding="utf-8")
    records = read(path, "courts")
    assert [r.data["@number"] for r in records if r.data] == ["T20247001", "T20247002"]
    assert len(records) == 3, summary(records)
    tail = records[2]
    assert tail.error is not None
    assert tail.error.startswith("XML is malformed"), tail.error
    assert tail.text.startswith('<case number="T20247003">')


def test_unclosed_quote_costs_only_its_own_line(tmp_path: Path) -> None:
    broken = CUSTODY_ROWS[0].replace('"12 Mill Lane, Stone"', '"12 Mill Lane, Stone')
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, broken, *CUSTODY_ROWS[1:]])
    records = read(path, "custody")
    assert summary(records) == [
        ("line 2", "a quote is opened and never closed"),
        ("line 3", None),
        ("line 4", None),
    ]
    assert records[0].text == broken


def test_two_stray_quotes_cost_only_their_own_lines(tmp_path: Path) -> None:
    first = CUSTODY_ROWS[0].replace("SMITH", 'SM"ITH')
    last = CUSTODY_ROWS[2].replace("JONES", 'JO"NES')
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, first, CUSTODY_ROWS[1], last])
    records = read(path, "custody")
    assert [(r.locator, r.data is None) for r in records] == [
        ("line 2", True),
        ("line 3", False),
        ("line 4", True),
    ], summary(records)


def test_quoted_field_may_span_lines(tmp_path: Path) -> None:
    row = CUSTODY_ROWS[0].replace('"12 Mill Lane, Stone"', '"12 Mill Lane\nStone"')
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, row, CUSTODY_ROWS[1]])
    records = read(path, "custody")
    assert summary(records) == [("line 2", None), ("line 4", None)]
    assert records[0].data is not None
    assert records[0].data["address"] == "12 Mill Lane\nStone"


def test_blank_lines_are_not_records(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "custody.csv", [CUSTODY_HEADER, "", CUSTODY_ROWS[0], "  "])
    assert summary(read(path, "custody")) == [("line 3", None)]


def test_invalid_bytes_in_a_declared_encoding_quarantine_only_their_line(tmp_path: Path) -> None:
    mapping: Mapping = MAPPINGS["custody"].model_copy(update={"encoding": "ascii"})
    path = tmp_path / "custody.csv"
    lines = [CUSTODY_HEADER, CUSTODY_ROWS[0].replace("SMITH", "SMÏTH"), CUSTODY_ROWS[1]]
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    records = list(read_records(path, mapping, MAX_FIELD, lambda _message: None))
    assert summary(records) == [
        ("line 2", "bytes that cannot be read as ascii"),
        ("line 3", None),
    ]


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("NaN", "not valid JSON: NaN is not a JSON number"),
        ("-Infinity", "not valid JSON: -Infinity is not a JSON number"),
        ("1e400", "not valid JSON: 1e400 is too large a number"),
    ],
)
def test_json_number_no_store_can_hold_is_refused(tmp_path: Path, number: str, reason: str) -> None:
    path = tmp_path / "crime.jsonl"
    line = json.dumps(crime_line()).replace('"easting": 389000', f'"easting": {number}')
    path.write_text(line + "\n", encoding="utf-8")
    [record] = read(path, "crime")
    assert record.error == reason


def test_json_integer_too_long_to_convert_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crime.jsonl"
    line = json.dumps(crime_line()).replace('"easting": 389000', '"easting": ' + "9" * 5000)
    path.write_text(line + "\n" + json.dumps(crime_line("CR-2")) + "\n", encoding="utf-8")
    bad, good = read(path, "crime")
    assert bad.error is not None
    assert bad.error.startswith("not valid JSON: Exceeds the limit"), bad.error
    assert good.data is not None


@pytest.mark.parametrize("depth", [100, 100_000])
def test_json_nested_too_deeply_is_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "crime.jsonl"
    nested = "[" * depth + "]" * depth
    line = json.dumps(crime_line()).replace('"grading": null', f'"grading": {nested}')
    path.write_text(line + "\n" + json.dumps(crime_line("CR-2")) + "\n", encoding="utf-8")
    bad, good = read(path, "crime")
    assert bad.error == "nested more than 64 levels deep"
    assert good.data is not None


@pytest.mark.parametrize("depth", [100, 100_000])
def test_xml_case_nested_too_deeply_is_refused(tmp_path: Path, depth: int) -> None:
    nested = "<x>" * depth + "</x>" * depth
    deep = f'<case number="T2"><court>{nested}</court></case>\n'
    path = tmp_path / "courts.xml"
    path.write_text(COURTS_XML.replace("</listings>", f"{deep}</listings>"), encoding="utf-8")
    good, bad = read(path, "courts")
    assert good.data is not None, good.error
    assert bad.error == "nested more than 64 levels deep"
