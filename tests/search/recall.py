"""Search recall against the generator's truth: the queries `synth.queries` makes for true
people, plates and places, and whether the true entity comes back (shared by the recall test
and `bench/search.py`)."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from polestar.pole.nicknames import formal_forms
from polestar.search.query import parse
from polestar.synth.queries import Named, Sought, fragment_queries, name_queries, named_people

Search = Callable[[str, str], list[str]]  # (text, kind) → entity ids, best first
_WORDS = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
# The shortest typed forename read as the start of longer ones (`search.ranking`).
_SHORTEST_CUT = 3


@dataclass(frozen=True)
class Truth:
    """What the store holds of each true identity: its entities, and values to query by."""

    entities: dict[str, set[str]]  # true id → entity ids holding its records
    names: list[Sought]
    plates: list[Sought]
    postcodes: list[Sought]
    # How many true identities each query cannot tell from its target: its namesakes (the same
    # name, initial and surname for an initialled query; for a nickname, everyone of that
    # surname the typed forename names as well; for half a double-barrelled surname, everyone
    # of that forename whose surname is or holds the half; and the date or year of birth when
    # typed), or every plate or postcode the fragment fits. A ranking that cannot tell them
    # apart puts the target first 1 time in that many on average, in the top 10 10 times.
    alike: dict[Sought, int]


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load(
    engine: Engine, truth_csv: Path, count: int, seed: int, fragments: int | None = None
) -> Truth:
    """Read the truth file and the store; make `count` name queries and up to `fragments`
    (by default `count // 5`) plate and postcode fragments each."""
    fragments = count // 5 if fragments is None else fragments
    truth: dict[tuple[str, str, str], str] = {}
    with truth_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth[row["kind"], row["source"], row["source_key"]] = row["true_id"]
    entities: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for kind, source, key, entity in conn.execute(
            sa.text("SELECT kind, source, source_key, entity_id FROM entity_members")
        ):
            true_id = truth.get((kind, source, key))
            if true_id is not None:
                entities[true_id].add(entity)
        people = conn.execute(
            sa.text("SELECT source, source_key, forename, surname, dob FROM persons")
        ).all()
        plates = conn.execute(
            sa.text("SELECT source, source_key, vrm FROM objects WHERE vrm IS NOT NULL")
        ).all()
        places = conn.execute(
            sa.text("SELECT source, source_key, postcode FROM locations WHERE postcode IS NOT NULL")
        ).all()
    person_truth = [(s, k, t) for (kind, s, k), t in truth.items() if kind == "person"]
    named = named_people(person_truth, ((s, k, f, n, _date(d)) for s, k, f, n, d in people))
    vehicles = [(truth[("vehicle", s, k)], v) for s, k, v in plates if ("vehicle", s, k) in truth]
    postcodes = [
        (truth[("location", s, k)], p) for s, k, p in places if ("location", s, k) in truth
    ]
    names = name_queries(named, count, seed)
    plate_queries = fragment_queries(vehicles, "vehicle", fragments, seed)
    postcode_queries = fragment_queries(postcodes, "location", fragments, seed)
    return Truth(
        entities=dict(entities),
        names=names,
        plates=plate_queries,
        postcodes=postcode_queries,
        alike={
            **_namesakes(named, names),
            **_fitting(vehicles, plate_queries, str.__contains__),
            **_fitting(postcodes, postcode_queries, str.startswith),
        },
    )


_Shape = tuple[bool, bool, bool]  # the query typed a date of birth, a year, an initial


def _shape(sought: Sought) -> _Shape:
    """What a name query gives beyond the name, read as the search reads it."""
    query = parse(sought.text)
    return query.dob is not None, query.year is not None, sought.variant == "initial"


def _name_key(person: Named, shape: _Shape) -> tuple[object, ...]:
    """What of `person` a query of that shape can tell apart."""
    dob, year, initialled = shape
    forename = person.forename[:1] if initialled else person.forename
    born = person.dob
    return (
        forename.upper(),
        person.surname.upper(),
        born if dob else None,
        born.year if year and born is not None else None,
    )


def _typed_words(sought: Sought) -> list[str]:
    """The name's words as typed, without a date or year of birth (`jack ANDERSON 1970`)."""
    return [word for word in _WORDS.findall(sought.text.upper()) if not word.isdigit()]


def _names_too(typed: str) -> Callable[[str], bool]:
    """Whether a forename is one a typed nickname or short form names as well as the true one
    (`JACK`: Jack, John, Jon, Jacqueline; `TON`, a name the nicknames do not know: Tony,
    Tonicha), as search scores them (`search.ranking`: a form of the same name, cut short)."""
    forms = formal_forms()
    typed_forms = forms.get(typed, frozenset())

    def fits(forename: str) -> bool:
        return (
            forename == typed
            or forename in typed_forms
            or bool(forms.get(forename, frozenset()) & typed_forms)
            or (len(typed) >= _SHORTEST_CUT and forename.startswith(typed))
        )

    return fits


def _fits_alike(sought: Sought, shape: _Shape, target: Named) -> Callable[[Named], bool]:
    """For a nickname or half a double-barrelled surname: who the query fits as well as its
    target. A plain `Anderson` and a `Jack` fit `jack anderson` as well as John Anderson."""
    typed = _typed_words(sought)
    key = _name_key(target, shape)
    if sought.variant == "nickname":
        forename_fits = _names_too(typed[0])
        surname = target.surname.upper()

        def named(person: Named) -> bool:
            return person.surname.upper() == surname and forename_fits(person.forename.upper())
    else:
        forename, halves = target.forename.upper(), set(typed[1:])

        def named(person: Named) -> bool:
            surname = person.surname.upper()
            return person.forename.upper() == forename and halves <= {surname, *surname.split("-")}

    def fits(person: Named) -> bool:
        person_key = _name_key(person, shape)
        return person_key == key or (named(person) and person_key[2:] == key[2:])

    return fits


def _namesakes(people: list[Named], queries: list[Sought]) -> dict[Sought, int]:
    by_id = {person.true_id: person for person in people}
    shapes = {sought: _shape(sought) for sought in queries}
    counts: Counter[tuple[_Shape, tuple[object, ...]]] = Counter()
    for shape in set(shapes.values()):
        counts.update((shape, _name_key(person, shape)) for person in people)
    # Nicknames and halves: the people sharing a part of the target's surname, checked one by one.
    by_part: dict[str, list[Named]] = defaultdict(list)
    for person in people:
        surname = person.surname.upper()
        for part in {surname, *surname.split("-")}:
            by_part[part].append(person)
    found = {}
    for sought, shape in shapes.items():
        target = by_id[sought.true_id]
        typed = _typed_words(sought)
        if sought.variant in ("nickname", "barrel") and len(typed) > 1:
            fits = _fits_alike(sought, shape, target)
            part = target.surname.upper() if sought.variant == "nickname" else typed[-1]
            sharing = by_part[part]
            found[sought] = max(1, len({person.true_id for person in sharing if fits(person)}))
        else:
            found[sought] = max(1, counts[shape, _name_key(target, shape)])
    return found


def _fitting(
    values: list[tuple[str, str]], queries: list[Sought], fits: Callable[[str, str], bool]
) -> dict[Sought, int]:
    holders: dict[str, set[str]] = defaultdict(set)
    for true_id, value in values:
        holders["".join(value.split()).upper()].add(true_id)
    found = {}
    for sought in queries:
        fragment = "".join(sought.text.split()).upper()
        fitted = [ids for value, ids in holders.items() if fits(value, fragment)]
        found[sought] = max(1, len(set().union(*fitted)))
    return found


@dataclass(frozen=True)
class Recall:
    queries: int
    top10: float
    top1: float
    misses: list[str]


def recall(truth: Truth, queries: list[Sought], run: Search) -> Recall:
    """The share of queries whose true entity is in the top 10, and at rank 1."""
    top10 = top1 = 0
    misses = []
    for sought in queries:
        expected = truth.entities.get(sought.true_id, set())
        found = [e for e in run(sought.text, sought.kind) if e[:3] == sought.kind[:3].upper()]
        if found and found[0] in expected:
            top1 += 1
        if expected & set(found[:10]):
            top10 += 1
        else:
            misses.append(f"{sought.variant}: {sought.text}")
    total = max(1, len(queries))
    return Recall(len(queries), top10 / total, top1 / total, misses)
