"""Reading the search box: each kind of input, and text that holds nothing searchable."""

from __future__ import annotations

from datetime import date

import pytest

from polestar.errors import InvalidInput
from polestar.search.query import MAX_LENGTH, Query, parse


def test_a_name_with_a_date_of_birth() -> None:
    query = parse("Jon Smyth 01/03/1980")
    assert query.names == ("JON", "SMYTH")
    assert query.dob == date(1980, 3, 1)


@pytest.mark.parametrize(
    "typed",
    [
        "cooper 30/10/86",
        "cooper 30.10.1986",
        "cooper 30-10-86",
        "cooper 301086",
        "cooper 30101986",
        "cooper 30 oct 1986",
        "cooper 30th October 86",
        "cooper 30-Oct-1986",
        "cooper dob 30/10/1986",
        "COOPER D.O.B.: 30/10/86",
        "cooper 30 10 1986",
    ],
)
def test_a_date_of_birth_as_officers_type_it(typed: str) -> None:
    query = parse(typed)
    assert (query.names, query.dob) == (("COOPER",), date(1986, 10, 30))


def test_spaced_numbers_that_are_no_date_are_an_address() -> None:
    query = parse("31 02 1986 high street")
    assert (query.dob, query.year, query.words[:2]) == (None, 1986, ("31", "02"))


@pytest.mark.parametrize(
    ("typed", "names", "prefixed"),
    [
        ("Frazer Will*", ("FRAZER", "WILL"), ("WILL",)),
        ("SMI**", ("SMI",), ("SMI",)),
        ("o'bri* john", ("OBRI", "JOHN"), ("OBRI",)),
        ("smith-jo*", ("SMITH", "JO", "SMITHJO"), ("SMITHJO",)),
        ("Frazer W*", ("FRAZER",), ()),  # a letter alone is an initial
    ],
)
def test_a_name_cut_short_by_a_star(
    typed: str, names: tuple[str, ...], prefixed: tuple[str, ...]
) -> None:
    query = parse(typed)
    assert (query.names, query.prefixed) == (names, prefixed)


def test_a_two_digit_year_is_the_latest_not_to_come() -> None:
    assert parse("smith 1/3/05").dob == date(2005, 3, 1)
    assert parse("smith 1/3/99").dob == date(1999, 3, 1)


def test_born_before_a_year_is_no_name() -> None:
    query = parse("cooper born 1986")
    assert (query.names, query.year) == (("COOPER",), 1986)


def test_six_digits_that_are_no_date_are_no_date_of_birth() -> None:
    query = parse("618423")
    assert (query.dob, query.fragment) == (None, "618423")


def test_surname_first_with_an_initial_and_a_year() -> None:
    query = parse("SMITH, J. 1984")
    assert query.names == ("SMITH",)
    assert query.initials == ("J",)
    assert query.year == 1984


@pytest.mark.parametrize("typed", ["SMITH/JOHN", "smith / john", "SMITH,JOHN"])
def test_surname_and_forename_apart_by_a_slash_or_a_comma(typed: str) -> None:
    assert parse(typed).names == ("SMITH", "JOHN")


@pytest.mark.parametrize(
    ("typed", "names", "initials"),
    [
        ("mr stevenson", ("STEVENSON",), ()),
        ("Mrs. J Smith", ("SMITH",), ("J",)),
        ("SMITH, Mr John", ("SMITH", "JOHN"), ()),
        ("dr amir khan", ("AMIR", "KHAN"), ()),
        ("john smith jnr", ("JOHN", "SMITH"), ()),
        ("lord", ("LORD",), ()),  # a title alone is a name: `Lord` is a surname
        ("jack lord", ("JACK", "LORD"), ()),
        # A letter typed twice where the forename stands is the initial meant.
        ("Dd Myers", ("MYERS",), ("D",)),
        ("MYERS, Dd", ("MYERS",), ("D",)),
        ("Mr MM. Knight-Johnson", ("KNIGHT", "JOHNSON", "KNIGHTJOHNSON"), ("M",)),
        ("Aung Oo", ("AUNG", "OO"), ()),  # where the surname stands, a name
        ("Oo, Aung", ("OO", "AUNG"), ()),
        ("Oo", ("OO",), ()),
        ("Di Myers", ("DI", "MYERS"), ()),
    ],
)
def test_a_title_or_a_suffix_is_no_part_of_a_name_and_a_letter_twice_an_initial(
    typed: str, names: tuple[str, ...], initials: tuple[str, ...]
) -> None:
    query = parse(typed)
    assert (query.names, query.initials) == (names, initials)


def test_a_title_before_a_name_with_a_district_is_left_out_of_the_name() -> None:
    query = parse("mrs smith ST5")
    assert query.names == ("SMITH",)
    assert query.near == ("ST5", "")


def test_a_street_named_as_a_title_is_kept_in_an_address() -> None:
    assert parse("10 Lord Street").words == ("10", "LORD", "STREET")


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("KV6 honda", [(("HONDA", "KV6"), None), (("HONDA",), "KV6")]),
        ("green honda civic", [(("GREEN", "HONDA", "CIVIC"), None)]),
        ("Land Rover", [(("LAND", "ROVER"), None)]),
        ("grey rav4", [(("GREY", "RAV4"), None), (("GREY",), "RAV4")]),
        ("audi a3", [(("AUDI", "A3"), None)]),
        ("mercedes a-class", [(("MERCEDES", "A", "CLASS", "ACLASS"), None)]),
        # A plate typed in its parts; a model's number beside one; a model or make as typed.
        (
            "blue ford AN74 TLB",
            [
                (("BLUE", "FORD", "TLB", "AN74"), None),
                (("BLUE", "FORD", "TLB"), "AN74"),
                (("BLUE", "FORD"), "AN74TLB"),
            ],
        ),
        (
            "bmw x3 AR61",
            [(("BMW", "X3", "AR61"), None), (("BMW",), "X3AR61"), (("BMW", "X3"), "AR61")],
        ),
        ("honda cr v", [(("HONDA", "CRV"), None)]),
        ("mercedes a class", [(("MERCEDES", "A", "CLASS"), None)]),
        (
            "ford ka AB12",
            [(("FORD", "KA", "AB12"), None), (("FORD",), "KAAB12"), (("FORD", "KA"), "AB12")],
        ),
        ("vw golf", [(("VOLKSWAGEN", "GOLF"), None)]),
    ],
)
def test_words_beside_a_plate_or_two_or_more_alone_may_describe_a_vehicle(
    typed: str, readings: list[tuple[tuple[str, ...], str | None]]
) -> None:
    # Each way to read it: the words its make, model and colour hold, and the plate's part.
    found = [(reading.words, reading.fragment) for reading in parse(typed).vehicles]
    assert found == readings


@pytest.mark.parametrize(
    "typed",
    ["ford", "ford ka", "10 Duke Lane", "10 Duke Lane ST13", "ab12 c", "smith, j.", "j smith"],
)
def test_a_word_alone_a_house_number_or_a_letter_describes_no_vehicle(typed: str) -> None:
    assert parse(typed).vehicles == ()


def test_a_district_after_an_address_is_its_postcode_in_part() -> None:
    query = parse("10 Duke Lane ST13")
    assert (query.postcode_parts, query.words) == (("ST13", ""), ("10", "DUKE", "LANE"))


@pytest.mark.parametrize(
    ("typed", "near"),
    [
        ("burnett ST6 2UH", ("ST6", "2UH")),
        ("Burnett, David ST62UH", ("ST6", "2UH")),
        ("cooper ST5", ("ST5", "")),
        ("jones ST5", ("ST5", "")),  # no plate or postcode has four letters together
        ("10 Duke Lane ST13", None),
        ("Moss Street ST6 2UH", None),
    ],
)
def test_a_name_with_a_postcode_or_district_and_nothing_else_of_an_address(
    typed: str, near: tuple[str, str] | None
) -> None:
    query = parse(typed)
    assert query.near == near
    assert bool(query.names) == (near is not None)
    assert query.fragment is None


@pytest.mark.parametrize(
    ("typed", "surnames"),
    [
        ("o brian", ("OBRIAN",)),
        ("john mc-donald", ("MCDONALD",)),
        ("van der berg", ("VANDERBERG",)),
    ],
)
def test_a_prefix_joined_makes_a_surname(typed: str, surnames: tuple[str, ...]) -> None:
    query = parse(typed)
    assert query.joined is not None
    assert query.joined.surnames == surnames
    assert query.surnames == ()  # the words apart may be a forename (`Mac Edwards`)


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("cooper stoke", [("COOPER",), "STOKE"]),
        (
            "caroline cooper newcastle",
            [("CAROLINE",), "COOPERNEWCASTLE", ("CAROLINE", "COOPER"), "NEWCASTLE"],
        ),
        (
            "j. smith stoke on trent",
            [
                ("SMITH",),
                "STOKEONTRENT",
                ("SMITH", "STOKE"),
                "ONTRENT",
                ("SMITH", "STOKE", "ON"),
                "TRENT",
            ],
        ),
        ("smith stoke-on-trent", [("SMITH",), "STOKEONTRENT"]),
        ("john mc donald leek", [("JOHN",), "MCDONALDLEEK", ("JOHN", "MCDONALD"), "LEEK"]),
        ("smith", []),
    ],
)
def test_the_last_words_of_a_name_are_read_as_a_town_as_well(
    typed: str, readings: list[object]
) -> None:
    query = parse(typed)
    found = [value for town, reading in query.in_town for value in (reading.names, town)]
    assert found == readings
    assert all(reading.initials == query.initials for _, reading in query.in_town)


def test_a_slash_in_a_number_stays() -> None:
    assert parse("Flat 2/1, 10 High Street").words[:2] == ("2/1", "10")


def test_an_age_range() -> None:
    assert parse("smith aged 30-40").ages == (30, 40)


@pytest.mark.parametrize(
    ("typed", "names", "ages"),
    [
        ("jack stevenson 26", ("JACK", "STEVENSON"), (25, 27)),
        ("Jack Stevenson, 26", ("JACK", "STEVENSON"), (25, 27)),
        ("J. Smith 30", ("SMITH",), (29, 31)),
        ("jack stevenson aged 26", ("JACK", "STEVENSON"), (26, 26)),
    ],
)
def test_two_digits_after_a_name_are_an_age_give_or_take_a_year(
    typed: str, names: tuple[str, ...], ages: tuple[int, int]
) -> None:
    query = parse(typed)
    assert (query.names, query.ages, query.words) == (names, ages, ())


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("mill lane 26", ("26", "MILL", "LANE")),  # a street's, as it was
        ("smith 45", ("45", "SMITH")),  # one word: `honda 26` is a vehicle's
        ("jack stevenson 5", ("5", "JACK", "STEVENSON")),
    ],
)
def test_a_number_after_a_street_or_a_word_alone_is_no_age(
    typed: str, words: tuple[str, ...]
) -> None:
    query = parse(typed)
    assert (query.ages, query.words) == (None, words)


def test_b_dot_before_a_date_announces_it_and_is_no_initial() -> None:
    query = parse("jack stevenson b. 1999")
    assert (query.initials, query.year) == ((), 1999)
    assert parse("b. jones 1999").initials == ("B",)


@pytest.mark.parametrize(
    ("typed", "pattern", "names"),
    [
        ("AN74 ?LB", "AN74?LB", ()),  # a digit: a plate and nothing else
        ("an74*lb", "AN74*LB", ()),
        ("AN7? **B", "AN7?*B", ()),
        ("AN?? TLB", "AN??TLB", ("AN", "TLB")),  # letters alone: a name's reading as well
        ("sm?th", None, ("SMTH",)),  # no three known characters together
        ("74?LB", None, ()),
    ],
)
def test_a_plate_with_characters_unseen(
    typed: str, pattern: str | None, names: tuple[str, ...]
) -> None:
    query = parse(typed)
    assert (query.plate_pattern, query.names) == (pattern, names)


@pytest.mark.parametrize(
    ("typed", "references"),
    [
        ("2009/0123456C", ("2009/0123456C",)),
        ("09/123456c", ("2009/0123456C",)),
        ("QQ 12 34 56 C", ("QQ123456C",)),
        ("x123456", ("X123456",)),
    ],
)
def test_a_reference_number_is_read_whole_and_alone(
    typed: str, references: tuple[str, ...]
) -> None:
    assert parse(typed) == Query(references=references)


def test_a_reference_number_with_a_wrong_check_letter_is_a_422_saying_so() -> None:
    with pytest.raises(InvalidInput, match="not a valid PNC ID: check letter should be C"):
        parse("2009/0123456D")


@pytest.mark.parametrize("typed", ["ab12 c", "AB12CDE", "st16 2", "ST16 2DJ", "b12-cd"])
def test_plates_and_postcodes_whole_or_in_part_are_fragments(typed: str) -> None:
    query = parse(typed)
    assert query.fragment == "".join(ch for ch in typed if ch.isalnum()).upper()
    assert not query.names


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("ST16", ("ST16", "")),
        ("st1 6", ("ST1", "6")),
        ("ST16 2DJ", ("ST16", "2DJ")),
        ("ST162", None),  # a prefix as it is: only ST16 2's compact postcodes start so
        ("ST16 2C", None),  # no inward code holds a C
        ("AB12C", None),
        ("QA1", None),  # no district starts with Q
    ],
)
def test_a_postcode_typed_in_parts_is_read_as_one(
    typed: str, parts: tuple[str, str] | None
) -> None:
    assert parse(typed).postcode_parts == parts


@pytest.mark.parametrize(
    ("typed", "joined"),
    [
        ("mc donald", (("MCDONALD",), ())),
        ("o brien 1979", (("OBRIEN",), ())),
        ("Diane Mc-Donald", (("DIANE", "MCDONALD"), ())),
        ("van der berg", (("VANDERBERG",), ())),
        ("o-brien j", (("OBRIEN",), ("J",))),
    ],
)
def test_surname_prefixes_typed_apart_are_also_read_joined(
    typed: str, joined: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    query = parse(typed)
    assert query.joined is not None
    assert (query.joined.names, query.joined.initials) == joined
    assert query.joined.year == query.year


@pytest.mark.parametrize("typed", ["john smith", "mac", "john mc", "o'brien", "mary smith-jones"])
def test_names_with_nothing_to_join_have_no_joined_reading(typed: str) -> None:
    assert parse(typed).joined is None


def test_an_address_with_a_postcode() -> None:
    query = parse("7 Mill Lane, Stone ST15 8AB")
    assert query.postcode == "ST158AB"
    assert query.words == ("7", "MILL", "LANE", "STONE")


@pytest.mark.parametrize(
    "typed", ["07700 900123", "+44 7700 900123", "7700 900123", "447700900123", "(07700) 900-123"]
)
def test_a_phone_number(typed: str) -> None:
    # With its leading 0 lost, or the + of +44, as a number copied from a form may be.
    assert parse(typed).phone == "+447700900123"


@pytest.mark.parametrize(
    ("typed", "start"),
    [
        ("07700 9001", "+4477009001"),
        ("+44 (0)7700 90012", "+44770090012"),
        ("0044 7700 9001", "+4477009001"),
        ("07700 900", None),  # seven digits after the 0: a tenth of a range
        ("01021986", None),  # a date of birth run together
    ],
)
def test_the_start_of_a_phone_number(typed: str, start: str | None) -> None:
    query = parse(typed)
    assert (query.phone, query.phone_start) == (None, start)


def test_full_width_letters_read_as_letters() -> None:
    assert parse("ＳＭＩＴＨ").names == ("SMITH",)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "x" * (MAX_LENGTH + 1),
        "'; --",
        "1990",
        "31/02/1980",
        "31 feb 80",
        "1/1/2090",
        "aged 40-30",
        "*",
    ],
)
def test_nothing_searchable_is_a_clear_422(typed: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse(typed)
    assert raised.value.status == 422
    assert raised.value.message


@pytest.mark.parametrize(
    ("typed", "names", "words"),
    [
        ("Jack Stevenson 10 Vernon Road", ("JACK", "STEVENSON"), ("10", "VERNON", "ROAD")),
        ("SMITH, John, 4 Park Rd Stone", ("SMITH", "JOHN"), ("4", "PARK", "RD", "STONE")),
        ("John Smith flat 2 8 Mill Lane", ("JOHN", "SMITH"), ("2", "8", "FLAT", "MILL", "LANE")),
    ],
)
def test_a_name_before_a_house_number_is_read_apart_from_the_address(
    typed: str, names: tuple[str, ...], words: tuple[str, ...]
) -> None:
    query = parse(typed)
    assert (query.addressed, query.names, query.words) == (True, names, words)


@pytest.mark.parametrize(
    "typed",
    ["rear of 32 Linden St", "High Street 10 Stone", "flat 2 10 Vernon Road", "10 Mill Lane"],
)
def test_words_placing_or_naming_a_street_before_a_number_are_the_address(typed: str) -> None:
    query = parse(typed)
    assert not query.addressed, query
    assert not query.names, query
