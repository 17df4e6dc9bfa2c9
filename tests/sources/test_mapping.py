"""Mapping files: every built-in one loads, a broken one reports every mistake at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from polestar.errors import InvalidInput, InvalidMapping
from polestar.ingest.pipeline import plan_inputs
from polestar.sources.engine import Mapper
from polestar.sources.mapping import (
    MAPPINGS_DIR,
    Mapping,
    builtin_mappings,
    load_mapping,
    parse_mapping,
)
from tests.ingest.exports import write_custody

BUILTIN_FILES = sorted(MAPPINGS_DIR.glob("*.yaml"))
EXPORT_FILES = {
    "courts": "courts.xml",
    "crime": "crime.jsonl",
    "custody": "custody.csv",
    "fire_incidents": "fire_incidents.csv",
    "fire_premises": "fire_premises.csv",
    "incidents": "incidents.csv",
    "probation": "probation.csv",
}

STRUCTURAL_MISTAKES = """
source: Custody Records
format: xlsx
key: custody_ref
csv: {delimeter: ";"}
records:
  person:
    kind: persn
    fields:
      dob: {path: dob, type: dat}
      surname: {path: surname, colour: blue}
links:
  - {from: person, to: person}
"""

MODEL_MISTAKES = """
source: custody
format: xml
key: custody_ref
records:
  person:
    kind: person
    key: "{key}/{nominal}"
    fields:
      shoe_size: {path: shoe}
      surname: {type: name}
  car:
    kind: object
    within: vehicle_owner
    fields:
      vrm: vrm
  arrest:
    kind: event
    event_type: arrest-ish
    fields:
      offence: offence
  stop:
    kind: event
    fields:
      offence: offence
links:
  - {from: person, role: befriended, to: arrest}
  - {from: person, role: uses, to: boat}
"""


def errors_of(text: str) -> dict[str, str]:
    with pytest.raises(InvalidMapping) as raised:
        parse_mapping(text, "broken.yaml")
    return {error.field: error.message for error in raised.value.errors}


def custody() -> Mapping:
    return load_mapping(MAPPINGS_DIR / "custody.yaml")


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[path.stem for path in BUILTIN_FILES])
def test_builtin_mapping_loads_and_builds_a_mapper(path: Path) -> None:
    mapping = load_mapping(path)
    assert mapping.source == path.stem
    assert mapping.files == [EXPORT_FILES[mapping.source]]
    assert Mapper(mapping).source == mapping.source


def test_every_export_of_the_county_has_a_builtin_mapping() -> None:
    assert sorted(mapping.source for mapping in builtin_mappings()) == sorted(EXPORT_FILES)


def test_broken_structure_reports_every_mistake_at_once() -> None:
    errors = errors_of(STRUCTURAL_MISTAKES)
    assert set(errors) == {
        "source",
        "format",
        "csv.delimeter",
        "records.person.kind",
        "records.person.fields.dob.type",
        "records.person.fields.surname.colour",
        "links.0.role",
    }, errors
    assert "unknown type 'dat'" in errors["records.person.fields.dob.type"]
    assert "Extra inputs" in errors["csv.delimeter"]


def test_mapping_that_does_not_fit_the_model_reports_every_mistake_at_once() -> None:
    errors = errors_of(MODEL_MISTAKES)
    assert errors == {
        "xml.record": "an XML mapping must name its record element",
        "records.person.fields.shoe_size": (
            "person has no field 'shoe_size'; known: forename, middle_names, surname, dob, "
            "gender, pnc_id, cro_number, ni_number, crn, driving_licence, wanted, missing, "
            "aliases, markers (or use attributes.shoe_size)"
        ),
        "records.person.fields.surname": "needs a path or value",
        "records.person.key": "unknown placeholder {nominal}",
        "records.car.object_type": (
            "an object needs object_type, one of phone, property, vehicle, weapon"
        ),
        "records.car.within": "no record named 'vehicle_owner'",
        "records.arrest.event_type": (
            "unknown event type 'arrest-ish'; known: crime, custody, fire-incident, hearing, "
            "incident, intelligence, supervision"
        ),
        "records.stop.event_type": "an event needs an event_type",
        "links[0].role": "unknown role 'befriended'",
        "links[1]": "no record named 'boat'",
    }


def test_error_count_is_in_the_message() -> None:
    with pytest.raises(InvalidMapping, match=r"broken.yaml has 10 error\(s\)"):
        parse_mapping(MODEL_MISTAKES, "broken.yaml")


def test_yaml_that_does_not_parse_names_the_file() -> None:
    with pytest.raises(InvalidMapping, match=r"broken\.yaml is not valid YAML"):
        parse_mapping("source: [custody\n", "broken.yaml")


def test_yaml_that_is_not_a_mapping_of_settings_is_refused() -> None:
    with pytest.raises(InvalidMapping, match="must be a YAML mapping"):
        parse_mapping("- custody\n", "broken.yaml")


def test_missing_mapping_file_is_an_invalid_mapping(tmp_path: Path) -> None:
    with pytest.raises(InvalidMapping, match="cannot read mapping"):
        load_mapping(tmp_path / "nowhere.yaml")


def test_records_nested_in_a_loop_are_refused_by_the_engine() -> None:
    mapping = parse_mapping(
        """
source: loop
format: jsonl
key: id
records:
  a: {kind: person, within: b, fields: {surname: s}}
  b: {kind: person, within: a, fields: {surname: s}}
""",
        "loop.yaml",
    )
    with pytest.raises(InvalidMapping) as raised:
        Mapper(mapping)
    assert raised.value.errors[0].message == "loop"


def test_link_between_two_repeating_records_must_say_which_pairs() -> None:
    mapping = parse_mapping(
        """
source: pairs
format: jsonl
key: id
records:
  person: {kind: person, each: persons, key: "{key}/p/{index}", fields: {surname: s}}
  car: {kind: object, object_type: vehicle, each: cars, key: "{key}/c/{index}",
        fields: {vrm: v}}
links:
  - {from: person, role: uses, to: car}
""",
        "pairs.yaml",
    )
    with pytest.raises(InvalidMapping) as raised:
        Mapper(mapping)
    [error] = raised.value.errors
    assert error.field == "links[0]"
    assert "from_index" in error.message


def test_named_mapping_stores_under_the_new_source_and_leaves_the_original() -> None:
    original = custody()
    renamed = original.named("custody_west")
    assert renamed.source == "custody_west"
    assert original.source == "custody"
    assert renamed.model_dump(exclude={"source"}) == original.model_dump(exclude={"source"})
    assert Mapper(renamed).source == "custody_west"


def test_source_option_renames_the_mapping_of_every_input(tmp_path: Path) -> None:
    path = write_custody(tmp_path)
    plan = plan_inputs([path, tmp_path], custody(), source="custody_west")
    assert [(item.path.name, item.mapping.source) for item in plan.inputs] == [
        ("custody.csv", "custody_west"),
        ("custody.csv", "custody_west"),
    ]


def test_source_option_without_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="give --mapping too"):
        plan_inputs([tmp_path], source="custody_west")


def test_explicit_file_of_any_name_is_read_with_the_given_mapping(tmp_path: Path) -> None:
    path = write_custody(tmp_path).rename(tmp_path / "west_custody_2024.csv")
    plan = plan_inputs([path], custody())
    assert [(item.path.name, item.mapping.source) for item in plan.inputs] == [
        ("west_custody_2024.csv", "custody")
    ]
