"""The mapping engine: property-based over arbitrary values, and hand-picked nesting cases."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from polestar.sources.engine import MappedSourceRecord, Mapper, RecordRejected
from polestar.sources.mapping import MAPPINGS_DIR, load_mapping, parse_mapping
from tests.ingest.exports import CUSTODY_HEADER, CUSTODY_ROWS, crime_line

CUSTODY_MAPPING = load_mapping(MAPPINGS_DIR / "custody.yaml")
CRIME_MAPPING = load_mapping(MAPPINGS_DIR / "crime.yaml")
CUSTODY = Mapper(CUSTODY_MAPPING)
CRIME = Mapper(CRIME_MAPPING)
COLUMNS = CUSTODY_HEADER.split(",")
# Which column each custody field (as a field warning names it) is read from.
CUSTODY_PATHS = {
    name: spec.path
    for record in CUSTODY_MAPPING.records.values()
    for name, spec in record.fields.items()
}

# Values that pass each custody normaliser, so both the clean and the warning paths run.
CUSTODY_EXAMPLES = {
    "custody_ref": ["CU-000001", " CU-2 "],
    "arrest_time": ["14/03/2024 02:17", "27/10/2024 01:30", "31/03/2024 01:30"],
    "surname": ["SMITH", "O'BRIEN", "de la Cruz"],
    "forenames": ["John Paul", "Mary"],
    "dob": ["01/03/1980", "31/02/1985"],
    "gender": ["M", "F", "X", "male"],
    "pnc_id": ["2009/0123456C", "09/123456C"],
    "cro_number": ["123456/09K"],
    "address": ["12 Mill Lane, Stone", "Flat 2, 4 Park Road, Stafford"],
    "postcode": ["ST15 8AB", "st16 2dj", "75008"],
    "phone": ["07700 900123", "+44 7700 900123"],
    "arrest_offence": ["Assault"],
    "custody_suite": ["Stafford"],
    "markers": ["VI;WE", "XX;VI", "ZZ"],
}


def cell(column: str) -> st.SearchStrategy[str]:
    return st.sampled_from(CUSTODY_EXAMPLES[column]) | st.text(max_size=30)


custody_rows = st.fixed_dictionaries({column: cell(column) for column in COLUMNS})

json_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def anything_or(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | json_values


def shaped(template: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the template's keys, each value its example or any JSON at all."""
    return st.fixed_dictionaries(
        {name: anything_or(st.just(value)) for name, value in template.items()}
    )


_SAMPLE = crime_line()
_PERSON = {**_SAMPLE["persons"][0], "middle_names": "Paul", "ni_number": "QQ123456C"}  # type: ignore[index]
person_items = shaped(_PERSON) | st.fixed_dictionaries(
    {"role": st.sampled_from(["victim", "witness", "Suspect ", ""])},
    optional={
        name: anything_or(st.just(value)) for name, value in _PERSON.items() if name != "role"
    },
)
crime_lines = st.fixed_dictionaries(
    {
        name: anything_or(st.just(value))
        for name, value in _SAMPLE.items()
        if name not in {"persons", "vehicles", "weapons", "location"}
    }
    | {
        "location": anything_or(shaped(_SAMPLE["location"])),  # type: ignore[arg-type]
        "persons": anything_or(st.lists(person_items, max_size=3)),
        "vehicles": anything_or(
            st.lists(shaped(_SAMPLE["vehicles"][0]), max_size=2)  # type: ignore[index]
        ),
        "weapons": anything_or(st.lists(shaped({"type": "knife", "description": "x"}))),
    }
)


def raw_texts(value: Any) -> set[str]:
    """Every value in a JSON tree as a field warning would keep it (text as is, else repr)."""
    texts = {value if isinstance(value, str) else repr(value)}
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        for child in children:
            texts |= raw_texts(child)
    if isinstance(value, dict) and "easting" in value and "northing" in value:
        texts.add(" ".join(raw_texts_one(value[name]) for name in ("easting", "northing")))
    return texts


def raw_texts_one(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def map_or_none(mapper: Mapper, raw: dict[str, Any]) -> MappedSourceRecord | None:
    try:
        return mapper.map(raw)
    except RecordRejected:
        return None


@given(custody_rows)
@settings(deadline=None)
@example(dict(zip(COLUMNS, CUSTODY_ROWS[0].replace('"', "").split(","), strict=False)))
def test_any_custody_row_maps_or_is_rejected_and_nothing_else(row: dict[str, str]) -> None:
    result = map_or_none(CUSTODY, row)
    if result is not None:
        assert result.key == row["custody_ref"].strip()


COURTS = Mapper(load_mapping(MAPPINGS_DIR / "courts.yaml"))
PROBATION = Mapper(load_mapping(MAPPINGS_DIR / "probation.yaml"))


def hearing_at(hearing: dict[str, str]) -> tuple[Any, Any]:
    """When the courts mapping puts a case's hearing (`hearing`: the element's attributes),
    and whether it says the court gave only the day."""
    case = {"@number": "T1", "court": "Stafford", "hearing": hearing, "outcome": "Adjourned"}
    (event,) = (r for r in COURTS.map(case).records if r.record_kind == "event")
    return event.values.get("occurred_at"), event.values.get("day_only")


def test_a_hearing_is_at_its_listed_time_in_london() -> None:
    """The date and the time are two attributes: read as one local time (BST here)."""
    assert hearing_at({"@date": "2024-05-02", "@time": "10:30"}) == (
        datetime(2024, 5, 2, 9, 30, tzinfo=UTC),
        None,
    )


def test_a_hearing_listed_without_a_time_is_the_start_of_its_day_known_as_the_day() -> None:
    winter = (datetime(2024, 12, 2, tzinfo=UTC), True)
    assert hearing_at({"@date": "2024-12-02", "@time": " "}) == winter
    assert hearing_at({"@date": "2024-12-02"}) == winter
    assert hearing_at({"@date": "2024-05-02"}) == (datetime(2024, 5, 1, 23, tzinfo=UTC), True)


def test_a_supervision_starts_on_a_day() -> None:
    row = {"crn": "X123456", "surname": "Smith", "forenames": "John"}
    row |= {"supervision_start": "2025-03-07", "supervision_end": "2026-03-06"}
    (event,) = (r for r in PROBATION.map(row).records if r.record_kind == "event")
    assert event.values["occurred_at"] == datetime(2025, 3, 7, tzinfo=UTC)
    assert event.values["day_only"] is True


def test_an_attribute_given_as_a_day_keeps_the_day() -> None:
    """An attribute is JSON: the day itself, not the UTC time its start falls at (which is
    the day before in summer)."""
    mapping = Mapper(
        parse_mapping(
            """
source: log
format: csv
key: id
records:
  entry:
    kind: event
    event_type: incident
    fields:
      attributes.recorded: {path: recorded, type: datetime, formats: ["%Y-%m-%d"]}
""",
            "log.yaml",
        )
    )
    (event,) = mapping.map({"id": "1", "recorded": "2024-05-02"}).records
    assert event.attributes == {"recorded": "2024-05-02"}
    assert "day_only" not in event.values


def test_a_hearing_time_that_is_not_a_time_is_kept_raw_with_a_warning() -> None:
    case = {"@number": "T1", "hearing": {"@date": "2024-05-02", "@time": "after lunch"}}
    result = COURTS.map(case)
    (warning,) = result.warnings
    assert (warning.field, warning.value) == ("occurred_at", "2024-05-02 after lunch")


@given(crime_lines)
@settings(max_examples=300, deadline=None)
def test_any_crime_line_maps_or_is_rejected_and_nothing_else(line: dict[str, Any]) -> None:
    map_or_none(CRIME, line)


@given(custody_rows)
@settings(deadline=None)
def test_custody_field_warning_keeps_the_raw_cell_exactly(row: dict[str, str]) -> None:
    result = map_or_none(CUSTODY, row)
    for warning in result.warnings if result else []:
        column = CUSTODY_PATHS[warning.field]
        assert column is not None
        assert warning.value == row[column], warning


@given(crime_lines)
@settings(max_examples=300, deadline=None)
def test_crime_field_warning_keeps_a_raw_value_exactly(line: dict[str, Any]) -> None:
    result = map_or_none(CRIME, line)
    texts = raw_texts(line)
    for warning in result.warnings if result else []:
        assert warning.value in texts, warning


@given(crime_lines)
@settings(max_examples=300, deadline=None)
def test_mapping_is_deterministic_and_leaves_the_input_alone(line: dict[str, Any]) -> None:
    before = json.dumps(line, sort_keys=True)
    first = repr(map_or_none(CRIME, line))
    second = repr(map_or_none(Mapper(CRIME_MAPPING), copy.deepcopy(line)))
    assert first == second
    assert json.dumps(line, sort_keys=True) == before


@given(crime_lines)
@settings(max_examples=300, deadline=None)
def test_crime_keys_follow_the_mapping_templates(line: dict[str, Any]) -> None:
    result = map_or_none(CRIME, line)
    if result is None:
        return
    key = result.key
    persons = line["persons"]
    items = [persons] if isinstance(persons, dict) else persons
    person_keys = set()
    for index, person in enumerate(items if isinstance(items, list) else []):
        if not isinstance(person, dict):
            continue
        nominal = person.get("nominal_id")
        usable = nominal is not None and not (isinstance(nominal, str) and not nominal.strip())
        usable = usable and not (isinstance(nominal, list | dict) and not nominal)
        person_keys.add(str(nominal).strip() if usable else f"{key}/persons/{index}")
    patterns = {
        "event": re.escape(key),
        "location": "|".join(
            [re.escape(key), *(re.escape(f"{person}/address") for person in person_keys)]
        ),
        "person": "|".join(re.escape(person) for person in person_keys) or "(?!)",
        "phone": "|".join(re.escape(f"{person}/phone") for person in person_keys) or "(?!)",
        "vehicle": re.escape(f"{key}/vehicles/") + r"\d+",
        "weapon": re.escape(f"{key}/weapons/") + r"\d+",
    }
    for record in result.records:
        assert re.fullmatch(patterns[record.record_kind], record.key), (record, patterns)


def test_nested_within_and_each_keys_chain_through_the_parent() -> None:
    result = CRIME.map(crime_line())
    keys = sorted((record.record_kind, record.key) for record in result.records)
    assert keys == [
        ("event", "CR-24-000001"),
        ("location", "CR-24-000001"),
        ("location", "NOM-0001234/address"),
        ("person", "CR-24-000001/persons/1"),
        ("person", "NOM-0001234"),
        ("phone", "NOM-0001234/phone"),
        ("vehicle", "CR-24-000001/vehicles/0"),
        ("weapon", "CR-24-000001/weapons/0"),
    ]


def test_nested_record_links_only_to_its_own_parent() -> None:
    line = crime_line()
    line["persons"][1]["address"] = {"lines": ["9 Elm Way"], "town": "Leek"}  # type: ignore[index]
    result = CRIME.map(line)
    resides = sorted(
        (link.from_key, link.to_key) for link in result.links if link.role == "resides-at"
    )
    assert resides == [
        ("CR-24-000001/persons/1", "CR-24-000001/persons/1/address"),
        ("NOM-0001234", "NOM-0001234/address"),
    ]


def test_from_index_links_the_vehicle_to_the_person_it_names() -> None:
    line = crime_line(
        vehicles=[
            {"vrm": "AB12 CDE", "person_index": 1},
            {"vrm": "XY12 ZZZ"},
            {"vrm": "CD34 EFG", "person_index": 7},
        ]
    )
    uses = [link for link in CRIME.map(line).links if link.to_kind == "vehicle"]
    assert sorted((link.from_key, link.role, link.to_key) for link in uses) == [
        ("CR-24-000001", "involved", "CR-24-000001/vehicles/0"),
        ("CR-24-000001", "involved", "CR-24-000001/vehicles/1"),
        ("CR-24-000001", "involved", "CR-24-000001/vehicles/2"),
        ("CR-24-000001/persons/1", "uses", "CR-24-000001/vehicles/0"),
    ]


@pytest.mark.parametrize(
    ("index", "linked"),
    [("1", True), (1, True), ("²", False), (True, False), (-1, False), (1.0, False), (None, False)],
)
def test_from_index_links_only_a_plain_index(index: Any, linked: bool) -> None:
    line = crime_line(vehicles=[{"vrm": "AB12 CDE", "person_index": index}])
    uses = [link.from_key for link in CRIME.map(line).links if link.role == "uses"]
    vehicle_users = [key for key in uses if key == "CR-24-000001/persons/1"]
    assert vehicle_users == (["CR-24-000001/persons/1"] if linked else [])


def test_role_comes_from_the_data_normalised() -> None:
    line = crime_line()
    line["persons"][1]["role"] = " Reporter "  # type: ignore[index]
    result = CRIME.map(line)
    roles = {link.from_key: link.role for link in result.links if link.to_kind == "event"}
    assert roles == {"NOM-0001234": "suspect", "CR-24-000001/persons/1": "reporter"}
    assert result.warnings == []


def test_unknown_role_from_the_data_links_and_warns_with_the_raw_value() -> None:
    line = crime_line()
    line["persons"][1]["role"] = "Best Friend"  # type: ignore[index]
    result = CRIME.map(line)
    roles = {link.from_key: link.role for link in result.links if link.to_kind == "event"}
    assert roles["CR-24-000001/persons/1"] == "best-friend"
    [warning] = result.warnings
    assert (warning.field, warning.value, warning.reason) == ("role", "Best Friend", "unknown role")


def test_empty_role_leaves_the_person_unlinked_to_the_crime() -> None:
    line = crime_line()
    line["persons"][1]["role"] = ""  # type: ignore[index]
    result = CRIME.map(line)
    assert [link.from_key for link in result.links if link.to_kind == "event"] == ["NOM-0001234"]


def test_event_type_from_the_data_must_be_known() -> None:
    with pytest.raises(RecordRejected, match="'type' holds no known event type") as refused:
        CRIME.map(crime_line(type="parking"))
    assert "parking" not in str(refused.value)  # reasons are shown without a sign-in


def test_intelligence_type_from_the_data_makes_an_intelligence_event() -> None:
    result = CRIME.map(crime_line(type="Intelligence"))
    [event] = [record for record in result.records if record.kind.value == "event"]
    assert event.subtype == "intelligence"


FULL_NAMES = parse_mapping(
    """
source: names
format: jsonl
key: id
records:
  forename_first:
    kind: person
    key: "{key}/a"
    fields: {name: {path: a, type: full_name, order: forename-first}}
  surname_first:
    kind: person
    key: "{key}/b"
    fields: {name: {path: b, type: full_name, order: surname-first}}
  guessed:
    kind: person
    key: "{key}/c"
    fields:
      name: {path: c, type: full_name, null_values: [Anonymous, "n/k"]}
""",
    "names.yaml",
)


def names(raw: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    result = Mapper(FULL_NAMES).map({"id": "1", **raw})
    return {
        record.key: tuple(record.values.get(f) for f in ("forename", "middle_names", "surname"))
        for record in result.records
    }


def test_full_name_forename_first() -> None:
    assert names({"a": "John Paul Smith"}) == {"1/a": ("John", "Paul", "Smith")}


def test_full_name_surname_first() -> None:
    assert names({"b": "SMITH, John Paul"}) == {"1/b": ("John", "Paul", "Smith")}


def test_full_name_order_guessed_from_a_comma() -> None:
    assert names({"c": "SMITH, John"}) == {"1/c": ("John", None, "Smith")}


def test_field_null_values_leave_the_record_out() -> None:
    assert names({"a": "Ann Lee", "c": "Anonymous"}) == {"1/a": ("Ann", None, "Lee")}
    assert names({"c": " n/k "}) == {}


def test_mapping_null_values_apply_to_every_field() -> None:
    mapping = FULL_NAMES.model_copy(update={"null_values": ["", "NULL"]})
    result = Mapper(mapping).map({"id": "1", "a": "NULL", "b": "SMITH, Jo"})
    assert [record.key for record in result.records] == ["1/b"]


def test_null_key_rejects_the_record() -> None:
    with pytest.raises(RecordRejected, match="no key"):
        CUSTODY.map(dict.fromkeys(COLUMNS, ""))


def test_missing_required_field_rejects_the_record() -> None:
    row = dict(zip(COLUMNS, ["CU-1", "14/03/2024 02:17", "  ", *[""] * 11], strict=True))
    with pytest.raises(RecordRejected, match="required field 'surname'"):
        CUSTODY.map(row)


def test_record_with_no_value_from_the_source_is_left_out() -> None:
    row = dict.fromkeys(COLUMNS, "")
    row.update(custody_ref="CU-1", arrest_time="14/03/2024 02:17", surname="SMITH")
    result = CUSTODY.map(row)
    assert sorted(record.record_kind for record in result.records) == ["event", "person"]
    assert [(link.from_kind, link.role, link.to_kind) for link in result.links] == [
        ("person", "arrested-person", "event")
    ]


@given(crime_lines)
@settings(max_examples=300, deadline=None)
def test_every_link_joins_two_records_of_the_result(line: dict[str, Any]) -> None:
    result = map_or_none(CRIME, line)
    if result is None:
        return
    present = {(record.record_kind, record.key) for record in result.records}
    for link in result.links:
        assert (link.from_kind, link.from_key) in present, link
        assert (link.to_kind, link.to_key) in present, link
