"""Search keys: what a record is indexed under meets what a query looks up."""

from __future__ import annotations

from datetime import date

import pytest

from polestar.search.keys import (
    EXACT,
    STRONG,
    location_keys,
    name_keys,
    person_keys,
    postcode_part_keys,
    query_name_keys,
    query_pair_keys,
    surname_tokens,
    tokens,
    vehicle_keys,
)
from polestar.search.query import parse
from polestar.search.results import _enough, person_terms


def test_a_typo_in_the_query_meets_the_indexed_name() -> None:
    indexed = name_keys("Jonathan", "Smith")
    for typed in ("SMIHT", "SMTH", "SMITHH", "SMYTH"):
        assert query_name_keys(typed).keys() & indexed, typed


def test_a_slip_in_a_three_letter_name_meets_it_paired_with_the_other_name() -> None:
    indexed = name_keys("Jor", "Roberts")
    for typed in (["JLR", "ROBERTS"], ["JO", "ROBERTS"], ["ROBERTS", "JRO"], ["JOR", "ROBRTS"]):
        assert query_pair_keys(typed).keys() & indexed, typed
    assert query_pair_keys(["JLR", "ROBERTS"]).keys() & name_keys("Tom", "Lee") == set()


def test_an_unrelated_name_shares_no_key() -> None:
    assert not query_name_keys("WALKER").keys() & name_keys("Jonathan", "Smith")


def test_a_nickname_meets_its_formal_name_through_the_formal_form() -> None:
    assert "k:WILLIAM" in query_name_keys("BILL")
    assert "k:WILLIAM" in name_keys("William", "Jones")


def test_double_barrelled_surnames_are_indexed_whole_and_by_part() -> None:
    assert surname_tokens("Smith-Jones") == ["SMITH", "JONES", "SMITHJONES"]
    assert surname_tokens("Smith Jones") == ["SMITH", "JONES", "SMITHJONES"]
    keys = name_keys("Ann", "Smith-Jones")
    assert {"n:JONES", "n:SMITHJONES", "i:A JONES", "i:A SMITH"} <= keys


def test_person_keys_cover_aliases_and_the_date_of_birth() -> None:
    keys = person_keys(
        {
            "forename": "Tobias",
            "surname": "Quillfeather",
            "dob": date(1980, 3, 1),
            "aliases": [{"forename": "Toby", "surname": "Quill"}],
        }
    )
    assert {"n:QUILLFEATHER", "n:QUILL", "b:1980-03-01"} <= keys


def test_plates_are_found_by_any_run_of_three_characters() -> None:
    keys = vehicle_keys({"vrm": "AB12CDE"})
    assert {"v:AB12CDE", "v:B12C", "v:2CDE", "v:CDE"} <= keys
    assert "v:AC" not in keys


def test_vehicles_are_found_by_each_word_of_their_make_model_and_colour() -> None:
    rover = {"vrm": "AB12CDE", "make": "Land Rover", "model": "Discovery Sport", "colour": "Blue"}
    described = {key for key in vehicle_keys(rover) if key.startswith("d:")}
    assert {"d:LAND", "d:ROVER", "d:DISCOVERY", "d:SPORT", "d:BLUE"} <= described
    assert {"d:ROVR", "d:DISCOVRY", "d:BLU"} <= described  # one letter away, as names
    assert "d:AB12CDE" not in described


def test_a_model_word_with_a_digit_is_keyed_whole_and_only_whole() -> None:
    rav4 = vehicle_keys({"vrm": "AB12CDE", "make": "Toyota", "model": "RAV4", "colour": "Grey"})
    assert {"d:RAV4", "d:RAV"} <= rav4  # whole, and as match keys read it
    assert "d:AV4" not in rav4  # `208` one letter from `2008` is another model
    assert {"d:I10", "d:5"} <= vehicle_keys({"model": "i10"}) | vehicle_keys({"model": "5 Series"})


def test_each_surname_part_is_keyed_with_the_year_of_birth() -> None:
    born = {"forename": "Ann", "surname": "Smith-Jones", "dob": date(1977, 6, 15)}
    years = {key for key in person_keys(born) if key.startswith("y:")}
    assert years == {"y:SMITH 1977", "y:JONES 1977", "y:SMITHJONES 1977"}
    assert not any(key.startswith("y:") for key in person_keys({**born, "dob": None}))


def test_locations_are_found_by_postcode_prefix_and_address_word() -> None:
    keys = location_keys({"lines": ["7 Mill Lane"], "town": "Stone", "postcode": "ST15 8AB"})
    assert {"p:ST1", "p:ST15", "p:ST158", "p:ST158AB", "a:7", "a:MILL", "a:STONE"} <= keys


def test_a_town_is_keyed_whole_and_by_each_word() -> None:
    keys = location_keys({"lines": ["1 High Street"], "town": "Newcastle-under-Lyme"})
    towns = {key for key in keys if key.startswith("t:")}
    assert towns == {"t:NEWCASTLEUNDERLYME", "t:NEWCASTLE", "t:UNDER", "t:LYME"}
    assert {"t:BURTONUPONTRENT", "t:TRENT"} <= location_keys({"town": "Burton upon Trent"})
    assert not any(key.startswith("t:") for key in location_keys({"lines": ["1 Stone Road"]}))


POSTCODES = ["ST1 6GR", "ST1 0AB", "ST16 2DJ", "ST16 6GR", "ST10 4AB", "B1 1AA", "B11 1AA"]


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("ST16", {"ST16 2DJ", "ST16 6GR"}),
        ("ST1", {"ST1 6GR", "ST1 0AB"}),
        ("ST1 6", {"ST1 6GR"}),
        ("ST16 6G", {"ST16 6GR"}),
        ("B1", {"B1 1AA"}),
    ],
)
def test_a_postcode_typed_in_parts_looks_up_keys_only_its_addresses_hold(
    typed: str, named: set[str]
) -> None:
    parts = parse(typed).postcode_parts
    assert parts is not None
    wanted = set(postcode_part_keys(*parts))
    held = {pc for pc in POSTCODES if wanted & location_keys({"postcode": pc})}
    assert held == named


def test_a_place_known_only_by_its_description_is_found_by_its_words() -> None:
    # A control room's location is free text; without keys it was never found, and was
    # re-indexed as missing by every `link --incremental`.
    keys = location_keys({"lines": None, "town": None, "description": "outside 12 High St, Stone"})
    assert keys == {"a:OUTSIDE", "a:12", "a:HIGH", "a:ST", "a:STONE"}


def test_tokens_drop_what_has_no_letters() -> None:
    assert tokens("'; DROP TABLE--") == ["DROP", "TABLE"]
    assert tokens("***") == []


def test_an_initial_with_a_whole_double_barrelled_surname_outweighs_one_part() -> None:
    (initialled,) = [term for term in person_terms(parse("m. loghan-mason")) if "i:M MASON" in term]
    assert initialled["i:M LOGHANMASON"] > initialled["i:M MASON"] == initialled["i:M LOGHAN"]
    assert set(person_terms(parse("M. Mason"))[0].values()) == {initialled["i:M MASON"]}


def test_an_initial_with_a_double_barrelled_surname_meets_the_whole_surname() -> None:
    # The surname's parts are nobody's forename and surname, so they are not paired: paired,
    # they found nobody, and each such search went on to every part's own keys (`SMITH`'s
    # 140,000 rows at 1M records: 685 ms for `N. Cook-Smith`). Each part alone is shared by
    # thousands; the initial with the whole surname is one key of hers.
    indexed = name_keys("Patricia", "Martin-Parry-Magee")
    (initials,) = person_terms(parse("P. Martin-Parry-Magee"))
    assert "i:P MARTINPARRYMAGEE" in initials.keys() & indexed
    assert not any(key.startswith("f:") for key in initials)
    assert any(key.startswith("f:") for key in person_terms(parse("P. Martin Parry"))[0])


def test_an_initial_with_one_surname_reads_each_part_only_when_nobody_holds_the_whole() -> None:
    barrelled = parse("N. Cook-Smith 01/02/1980")
    assert _enough(barrelled, person_terms(barrelled)) == EXACT + STRONG
    plain = parse("J. Smith 01/02/1980")
    assert _enough(plain, person_terms(plain)) == 2 * STRONG


def test_a_hyphenated_surname_alone_looks_up_its_whole_in_either_order() -> None:
    (alone,) = person_terms(parse("Ellis-Baker"))
    assert alone["n:ELLISBAKER"] == alone["n:BAKERELLIS"] == STRONG
    assert not any(key.startswith("f:") for key in alone)  # its parts are no forename
    assert "n:BAKERELLIS" in name_keys("Susan", "Baker-Ellis")


def test_a_surname_is_keyed_with_each_town_the_person_has_an_address_in() -> None:
    row = {"forename": "Ann", "surname": "Cooper-Hale", "towns": "Codsall\nNewcastle-under-Lyme"}
    lives = {key for key in person_keys(row) if key.startswith("l:")}
    assert "l:COOPER CODSALL" in lives
    assert "l:COOPERHALE NEWCASTLE" in lives  # the whole surname, a word of the town
    assert "l:HALE NEWCASTLEUNDERLYME" in lives
    assert not any(key.startswith("l:ANN") for key in lives)  # surnames only
    assert not any(key.startswith("l:") for key in person_keys({**row, "towns": None}))


def test_a_person_is_keyed_by_each_reference_number_as_stored() -> None:
    row = {
        "surname": "Quillfeather",
        "pnc_id": "2009/0123456C",
        "crn": "X123456",
        "ni_number": None,
    }
    references = {key for key in person_keys(row) if key.startswith("x:")}
    assert references == {"x:2009/0123456C", "x:X123456"}
