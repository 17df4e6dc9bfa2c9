import pytest
from hypothesis import given
from hypothesis import strategies as st

from polestar.errors import InvalidValue
from polestar.pole.names import ParsedName, PersonName, match_key, parse_full, split_forenames


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SMITH", "Smith"),
        ("smith", "Smith"),
        ("Smith", "Smith"),
        ("mcdonald", "McDonald"),
        ("MCDONALD", "McDonald"),
        ("McDonald", "McDonald"),
        ("MacDonald", "MacDonald"),
        ("MACDONALD", "Macdonald"),
        ("Macey", "Macey"),
        ("O'BRIEN", "O'Brien"),
        ("o’brien", "O'Brien"),
        ("O' Brien", "O'Brien"),
        ("d'arcy", "D'Arcy"),
        ("NG'ANG'A", "Ng'ang'a"),
        ("SMITH-JONES", "Smith-Jones"),
        ("smith - jones", "Smith-Jones"),
        ("Smith–Jones", "Smith-Jones"),
        ("BOWES LYON", "Bowes Lyon"),
        ("  John   \t Paul ", "John Paul"),
        ("(Smith),", "Smith"),
        ("J.", "J"),
        ("'Smith'", "Smith"),
        ("ZOË", "Zoë"),
        ("josé", "José"),
        ("Søren", "Søren"),
        ("ŁUKASZ", "Łukasz"),
        ("de la Cruz", "de la Cruz"),
        ("DE LA CRUZ", "De La Cruz"),
        ("van Beethoven", "van Beethoven"),
        ("Иван", "Иван"),
        ("ИВАН", "Иван"),
    ],
)
def test_person_name_clean(raw: str, expected: str) -> None:
    assert PersonName.clean(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "--", "'", "...", "Smith2", "007"])
def test_person_name_rejects_no_letters_or_digits(raw: str) -> None:
    with pytest.raises(InvalidValue):
        PersonName.clean(raw)


def test_person_name_digits_message_quotes_the_value() -> None:
    with pytest.raises(InvalidValue, match="'Smith2' contains digits"):
        PersonName.clean("Smith2")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("John", ("John", None)),
        ("JOHN PAUL", ("John", "Paul")),
        ("mary-jane anne  louise", ("Mary-Jane", "Anne Louise")),
    ],
)
def test_split_forenames(raw: str, expected: tuple[str, str | None]) -> None:
    assert split_forenames(raw) == expected


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        ("SMITH, John Paul", "auto", ParsedName("John", "Paul", "Smith")),
        ("Smith, John", "surname-first", ParsedName("John", None, "Smith")),
        ("John Paul Smith", "auto", ParsedName("John", "Paul", "Smith")),
        ("John Paul George Smith", "auto", ParsedName("John", "Paul George", "Smith")),
        ("J. Smith", "auto", ParsedName("J", None, "Smith")),
        ("Smith", "auto", ParsedName(None, None, "Smith")),
        ("SMITH", "forename-first", ParsedName(None, None, "Smith")),
        ("SMITH John Paul", "auto", ParsedName("John", "Paul", "Smith")),
        ("JOHN SMITH", "auto", ParsedName("John", None, "Smith")),
        ("John SMITH", "auto", ParsedName("John", None, "Smith")),
        ("Smith John", "surname-first", ParsedName("John", None, "Smith")),
        ("Mr John Smith", "auto", ParsedName("John", None, "Smith")),
        ("Smith, Mr. J.", "auto", ParsedName("J", None, "Smith")),
        ("Ludwig van Beethoven", "auto", ParsedName("Ludwig", None, "van Beethoven")),
        ("BOWES LYON, Elizabeth", "auto", ParsedName("Elizabeth", None, "Bowes Lyon")),
        ("O'BRIEN, sean", "auto", ParsedName("Sean", None, "O'Brien")),
        ("Smith,", "auto", ParsedName(None, None, "Smith")),
        (", John", "auto", ParsedName(None, None, "John")),
        ("John Smith Jnr", "auto", ParsedName("John", None, "Smith")),
        ("John Paul Smith III", "auto", ParsedName("John", "Paul", "Smith")),
        ("SMITH John SNR", "auto", ParsedName("John", None, "Smith")),
        ("Smith, John Jr.", "auto", ParsedName("John", None, "Smith")),
        ("John Smith, Jr.", "auto", ParsedName("John", None, "Smith")),
        ("Mary Junior", "auto", ParsedName("Mary", None, "Junior")),  # a surname, kept
    ],
)
def test_parse_full(raw: str, order: str, expected: ParsedName) -> None:
    assert parse_full(raw, order) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["", " , ", "123", "..."])
def test_parse_full_rejects_no_letters(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_full(raw)


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("O'Brien", "OBRIEN"),
        ("Smith-Jones", "SMITHJONES"),
        ("Smith Jones", "SMITHJONES"),
        ("Zoë", "ZOE"),
        ("Søren", "SOREN"),
        ("Straße", "STRASSE"),
        ("Łukasz", "LUKASZ"),
        ("Иван", "ИВАН"),
    ],
)
def test_match_key(part: str, expected: str) -> None:
    assert match_key(part) == expected


def test_match_key_rejects_no_letters() -> None:
    with pytest.raises(InvalidValue):
        match_key("-'")


@given(st.text())
def test_person_name_clean_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        cleaned = PersonName.clean(raw)
    except InvalidValue:
        return
    assert PersonName.clean(cleaned) == cleaned


@given(st.text(), st.sampled_from(["forename-first", "surname-first", "auto"]))
def test_parse_full_only_raises_invalid_value(raw: str, order: str) -> None:
    try:
        parsed = parse_full(raw, order)  # type: ignore[arg-type]
    except InvalidValue:
        return
    for part in (parsed.forename, parsed.middle_names, parsed.surname):
        assert part is None or PersonName.clean(part) == part


@given(st.text())
def test_match_key_only_raises_invalid_value_and_is_idempotent(raw: str) -> None:
    try:
        key = match_key(raw)
    except InvalidValue:
        return
    assert match_key(key) == key


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1))
def test_match_key_ignores_case_and_joiners(word: str) -> None:
    assert match_key(word.lower()) == match_key(word.upper())
    assert match_key(f"{word}-{word}") == match_key(f"{word} {word}") == match_key(word * 2)


def test_match_key_folds_letters_whose_cases_differ_in_length() -> None:
    # Found by hypothesis: ẞ lower-cases to ß, which upper-cases to SS.
    assert match_key("ẞ") == match_key("ß") == "SS"
    assert match_key("STRAẞE") == match_key("straße") == "STRASSE"
