"""Ranking one visible record against a query: hand-picked names, dates and fragments."""

from __future__ import annotations

from datetime import date

import pytest

from polestar.search.query import parse
from polestar.search.ranking import (
    THRESHOLD,
    address_score,
    description_score,
    fragment_score,
    literal_match,
    pattern_score,
    person_score,
    postcode_score,
)

TODAY = date(2026, 12, 1)
JOHN = {"forename": "Jonathan", "middle_names": "Paul", "surname": "Smith-Jones",
        "dob": date(1980, 3, 1)}  # fmt: skip


@pytest.mark.parametrize(
    "typed",
    [
        "Jonathan Smith-Jones",
        "jonathon smith-jones",  # a slip
        "SMITH-JONES, Jonathan",  # surname first
        "Jon Smith Jones",  # a short form, the surname unhyphenated
        "J. Smith-Jones",  # an initial
        "Jonathan Jones",  # half of the surname
        "Jonathan Smith-Jones 01/03/1980",
    ],
)
def test_ways_of_typing_the_name_all_match(typed: str) -> None:
    assert person_score(parse(typed), JOHN, TODAY) >= 0.8


@pytest.mark.parametrize(
    ("typed", "held", "other"),
    [
        ("mo khan", "Mohammed", "Mae"),  # Mae sounds like Mo (metaphone M): 0.965
        ("sean khan", "John", "Shannon"),
        ("liam khan", "William", "Lia"),
        ("hamish khan", "James", "Hamid"),
        ("gaz khan", "Gareth", "Gail"),
    ],
)
def test_british_short_forms_meet_the_formal_name(typed: str, held: str, other: str) -> None:
    def score(forename: str) -> float:
        return person_score(parse(typed), {"forename": forename, "surname": "Khan"}, TODAY)

    assert score(held) >= 0.95
    assert score(held) > score(other)


def test_the_exact_name_outranks_a_slip_and_a_short_form() -> None:
    exact = person_score(parse("Jonathan Smith-Jones"), JOHN, TODAY)
    slip = person_score(parse("Jonathon Smith-Jones"), JOHN, TODAY)
    short = person_score(parse("Jon Smith-Jones"), JOHN, TODAY)
    assert exact == 1.0
    assert exact > slip
    assert exact > short


def test_a_slip_in_a_three_letter_forename_still_matches_it() -> None:
    jor = {"forename": "Jor", "surname": "Roberts", "dob": None}
    june = {"forename": "June", "surname": "Roberts", "dob": None}
    typed = parse("Jlr Roberts")
    assert person_score(typed, jor, TODAY) >= 0.9
    assert person_score(typed, june, TODAY) < THRESHOLD + 0.1


def test_a_name_cut_short_outranks_a_sound_alike() -> None:
    # `TON` sounds as `DAN` (metaphone TN), but it is how Tonicha starts.
    typed = parse("Ton Powell")
    tonicha = person_score(typed, {"forename": "Tonicha", "surname": "Powell"}, TODAY)
    dan = person_score(typed, {"forename": "Dan", "surname": "Powell"}, TODAY)
    tony = person_score(typed, {"forename": "Tony", "surname": "Powell"}, TODAY)
    assert tony > tonicha > dan  # a nickname of the same name still comes first


def test_the_same_name_spelt_a_letter_apart_outranks_another_name_for_it() -> None:
    # `JON` is a form of John, and so is `JACK`: both tied at 0.95, ordered by records held.
    typed = parse("Jon Smith")
    john = person_score(typed, {"forename": "John", "surname": "Smith"}, TODAY)
    jack = person_score(typed, {"forename": "Jack", "surname": "Smith"}, TODAY)
    assert john > jack >= 0.9


def test_a_name_borne_first_outranks_the_same_name_borne_as_a_middle_name() -> None:
    typed = parse("Jon Smith")
    jon = person_score(typed, {"forename": "Jon", "surname": "Smith"}, TODAY)
    john = person_score(typed, {"forename": "John", "surname": "Smith"}, TODAY)
    craig = {"forename": "Craig", "middle_names": "Jon Kenneth", "surname": "Smith"}
    middle = person_score(typed, craig, TODAY)
    assert jon > john > middle >= 0.9  # still found, among the first
    # Typed with the first forename, a middle name matched counts in full.
    assert person_score(parse("Craig Jon Smith"), craig, TODAY) >= 0.99


def test_an_initial_matches_the_names_it_starts_and_no_others() -> None:
    # A lone letter's metaphone is the letter's: `T` sounded as `DAI` (both T) before.
    typed = parse("Dai Watts")
    assert person_score(typed, {"forename": "D", "surname": "Watts"}, TODAY) >= 0.9
    assert person_score(typed, {"forename": "T", "surname": "Watts"}, TODAY) < 0.8


def test_an_address_word_is_not_matched_by_a_lone_letter() -> None:
    # What a name allows (an initial) an address word does not: a flat's letter `A` is not
    # `APPLE`; a slip still counts for most of a word.
    assert address_score(["APPLE", "TREE"], ["A", "TREE"]) == 0.5
    assert address_score(["MILLS"], ["MILL"]) == 0.8


def test_another_name_does_not_match() -> None:
    assert person_score(parse("Robert Bibi"), JOHN, TODAY) < THRESHOLD
    # One word of two is not enough to match on its own.
    assert person_score(parse("Jonathan Walker"), JOHN, TODAY) < 0.8


def test_a_different_date_of_birth_lowers_the_score() -> None:
    right = person_score(parse("Jonathan Smith-Jones 01/03/1980"), JOHN, TODAY)
    wrong = person_score(parse("Jonathan Smith-Jones 05/11/1962"), JOHN, TODAY)
    swapped = person_score(parse("Jonathan Smith-Jones 03/01/1980"), JOHN, TODAY)
    assert right > swapped > wrong


def test_an_age_range_excludes_people_outside_it_and_puts_the_unknown_after() -> None:
    aged = parse("Smith-Jones aged 40-50")
    assert person_score(aged, JOHN, TODAY) == person_score(parse("Smith-Jones"), JOHN, TODAY)
    assert person_score(parse("Smith-Jones aged 20-30"), JOHN, TODAY) == 0.0
    unknown = person_score(aged, {**JOHN, "dob": None}, TODAY)
    assert THRESHOLD < unknown < person_score(aged, JOHN, TODAY)
    assert unknown == person_score(parse("Smith-Jones 1980"), {**JOHN, "dob": None}, TODAY)


def test_a_name_the_viewer_may_not_see_matches_nothing() -> None:
    redacted = {"dob": date(1980, 3, 1)}  # the agreement shows no name fields
    assert person_score(parse("Jonathan Smith-Jones"), redacted, TODAY) == 0.0


def test_fragments_rank_whole_then_start_then_inside() -> None:
    whole = fragment_score("AB12CDE", "AB12 CDE")
    start = fragment_score("AB12C", "AB12CDE")
    inside = fragment_score("12CDE", "AB12CDE")
    assert whole == 1.0
    assert whole > start > inside > 0
    assert fragment_score("ZZ99", "AB12CDE") == 0.0


def test_a_plate_with_characters_unseen_ranks_whole_then_start_then_inside() -> None:
    whole = pattern_score("AB12?DE", "AB12 CDE")
    start = pattern_score("AB1?C", "AB12CDE")
    inside = pattern_score("12?DE", "AB12CDE")
    assert 1.0 > whole > pattern_score("AB*E", "AB12CDE") > start > inside > 0
    assert pattern_score("AB12?DF", "AB12CDE") == pattern_score("AB12?DE", None) == 0.0


@pytest.mark.parametrize(
    ("text", "as_typed", "another_way"),
    [
        ("SLATER, W", {"forename": "W", "surname": "Slater"},
         {"forename": "William", "middle_names": "Alan", "surname": "Slater"}),
        ("holmes thomas", {"forename": "Holmes", "surname": "Thomas"},
         {"forename": "Thomas", "surname": "Holmes"}),
        ("Karina Jastrzebska", {"forename": "Karina", "surname": "Jastrzebska"},
         {"forename": "Karina", "surname": "Diaconu-Jastrzebska"}),
        ("Tom Williams", {"forename": "Tom", "surname": "Williams"},
         {"forename": "Thomas", "surname": "Williams"}),
        # A middle name is seldom typed, a surname's other part usually is.
        ("John Lee", {"forename": "John", "middle_names": "Mark", "surname": "Lee"},
         {"forename": "John", "surname": "Lee-Evans"}),
        ("John Lee", {"forename": "John", "middle_names": "Mark", "surname": "Lee"},
         {"forename": "John", "surname": "Smith Lee"}),
        # However many middle names: all of them are one thing left out.
        ("EVANS, Mark", {"forename": "Mark", "middle_names": "Robert Jon", "surname": "Evans"},
         {"forename": "Mark", "surname": "Lawrence-Evans"}),
        ("Mark Evans", {"forename": "Mark", "middle_names": "Robert Jon Paul", "surname": "Evans"},
         {"forename": "Mark", "middle_names": "Carter", "surname": "Lawrence-Evans"}),
    ],
)  # fmt: skip
def test_among_equal_scores_the_name_as_typed_comes_first(
    text: str, as_typed: dict[str, str], another_way: dict[str, str]
) -> None:
    query = parse(text)
    # Both answer the query as well as each other (the same person, written another way) ...
    assert person_score(query, another_way, TODAY) >= THRESHOLD
    # ... but the one written as typed is the more literal match.
    assert literal_match(query, as_typed) > literal_match(query, another_way)


def test_a_postcode_one_or_two_letters_out_scores_by_how_much_agrees() -> None:
    assert postcode_score("ST135ZB", None, "ST13 5ZB") == 1.0
    one_out = postcode_score("ST135ZX", None, "ST13 5ZB")
    two_out = postcode_score("ST135XX", None, "ST13 5ZB")
    assert 0.8 > one_out >= THRESHOLD > two_out > 0  # alone, below; beside a street, counted
    assert postcode_score("ST136ZB", None, "ST13 5ZB") == 0.0  # another sector
    assert postcode_score("", ("ST13", ""), "ST14 5ZB") == 0.0  # another district


def test_a_vehicle_answers_words_as_typed_or_one_slip_away_and_not_a_word_it_lacks() -> None:
    golf = {"make": "Volkswagen", "model": "Golf", "colour": "Grey"}
    assert description_score(["VOLKSWAGEN", "GOLF"], golf) == 1.0
    assert description_score(["VOLKSWAGON", "GOLF"], golf) == 0.95
    assert description_score(["GRAY", "GOLF"], golf) == 0.95
    assert description_score(["VOLKSWAGEN", "POLO"], golf) == 0.0


def test_a_barrelled_surname_typed_whole_finds_a_record_holding_one_part() -> None:
    def score(typed: str, forename: str, surname: str) -> float:
        return person_score(parse(typed), {"forename": forename, "surname": surname}, TODAY)

    typed = "Jack Stevenson-Smith"
    whole, part = score(typed, "Jack", "Stevenson-Smith"), score(typed, "Jack", "Stevenson")
    assert whole == score(typed, "Jack", "Smith-Stevenson") == 1.0
    assert whole > part > score(typed, "Jack", "Stevens") > score(typed, "Jack", "Roberts-Jones")
    assert part >= 0.9
    # One part with the forename typed is below the whole with it cut short (`Jes`, Jessica).
    typed = "Jes Herman-Thompson"
    assert score(typed, "Jes", "Thompson") < score(typed, "Jessica", "Herman-Thompson")


@pytest.mark.parametrize(
    ("forename", "surname", "form", "third"),
    [("jack", "Anderson", "John", "Ian"), ("mel", "Davies", "Melanie", "Emma")],
)
def test_a_form_of_the_name_typed_comes_before_a_form_of_a_third_name(
    forename: str, surname: str, form: str, third: str
) -> None:
    # Jack is a form of John, as Ian is; Mel of Melanie and of Emily, as Emma is.
    typed = parse(f"{forename} {surname}")
    form_score, third_score = (
        person_score(typed, {"forename": name, "surname": surname}, TODAY) for name in (form, third)
    )
    assert form_score > third_score > THRESHOLD
