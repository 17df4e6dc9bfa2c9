"""The recall ceilings' count (`tests/search/recall.py`, used by `bench/search.py`): how many
true identities a query's words fit alike."""

from __future__ import annotations

from datetime import date

from polestar.synth.queries import Named, Sought
from tests.search.recall import _fitting, _namesakes

PEOPLE = [
    Named("T1", "John", "Smith", date(1980, 1, 1)),
    Named("T2", "John", "Smith", date(1990, 5, 5)),
    Named("T3", "Jane", "Smith", date(1980, 1, 1)),
    Named("T4", "Ann", "Jones", None),
]


def test_namesakes_count_what_the_query_cannot_tell_apart() -> None:
    name = Sought("john smith", "person", "exact", "T1")
    born = Sought("John Smith 01/01/1980", "person", "exact", "T1")
    year = Sought("John Smith 1990", "person", "exact", "T2")
    initial = Sought("J. Smith", "person", "initial", "T1")
    initial_born = Sought("J. Smith 01/01/1980", "person", "initial", "T3")
    alone = Sought("Ann Jones", "person", "exact", "T4")
    assert _namesakes(PEOPLE, [name, born, year, initial, initial_born, alone]) == {
        name: 2,  # John Smith twice
        born: 1,  # the date tells them apart
        year: 1,
        initial: 3,  # J. Smith: both Johns and Jane
        initial_born: 2,  # John and Jane, both born 1 January 1980
        alone: 1,
    }


def test_fragments_count_every_value_they_fit() -> None:
    places = [("L1", "ST4 7AB"), ("L2", "st4 7ad"), ("L3", "ST5 1AA"), ("L1", "ST47AB")]
    prefix = Sought("st4 7", "location", "fragment", "L1")
    plates = [("V1", "AB12 CDE"), ("V2", "XAB1 2ZZ"), ("V3", "ZZ99 ZZZ")]
    inside = Sought("b12", "vehicle", "fragment", "V1")
    assert _fitting(places, [prefix], str.startswith) == {prefix: 2}
    assert _fitting(plates, [inside], str.__contains__) == {inside: 2}


def test_a_nickname_or_half_a_surname_fits_everyone_it_names_as_well() -> None:
    people = [
        Named("T1", "John", "Anderson", date(1980, 1, 1)),
        Named("T2", "Jack", "Anderson", date(1975, 2, 2)),  # Jack is typed, and names John
        Named("T3", "Jon", "Anderson", None),  # a form of John, as Jack is
        Named("T4", "Mary", "Anderson", date(1980, 1, 1)),
        Named("T5", "David", "Glass-Dunn", date(1990, 3, 3)),
        Named("T6", "David", "Dunn", date(1985, 4, 4)),  # `david dunn` names him outright
        Named("T7", "David", "Dunn-Smith", date(1990, 3, 3)),
        Named("T8", "Dave", "Dunn", None),  # another forename: a half fits only the forename
        Named("T9", "Tonicha", "Reid", None),
        Named("T10", "Tony", "Reid", None),  # `TON`, cut short, starts both
    ]
    jack = Sought("jack anderson", "person", "nickname", "T1")
    jack_born = Sought("Jack Anderson 01/01/1980", "person", "nickname", "T1")
    half = Sought("David DUNN", "person", "barrel", "T5")
    half_year = Sought("david dunn 1990", "person", "barrel", "T5")
    both_halves = Sought("david glass dunn", "person", "barrel", "T5")
    cut_short = Sought("Ton Reid", "person", "nickname", "T9")
    queries = [jack, jack_born, half, half_year, both_halves, cut_short]
    assert _namesakes(people, queries) == {
        jack: 3,  # John, Jack and Jon Anderson, not Mary
        jack_born: 1,  # the date leaves John
        half: 3,  # David Glass-Dunn, Dunn and Dunn-Smith
        half_year: 2,  # the two born in 1990
        both_halves: 1,
        cut_short: 2,
    }
