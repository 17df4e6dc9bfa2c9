"""Search as a service: one query, ranked golden entities as one viewer may see them, audited.

`search` reads the text (`search.query`), looks its keys up in the index for candidate
entities, reads each candidate's rows through the viewer's scope (the access rules are part of
that SQL) and ranks what those visible rows say: a record the viewer may not see neither
matches, nor counts towards sources, last seen or markers. A plate or an address also brings
the people linked to what matched; a phone number brings the people who use it. Each call
writes one consultation entry listing every entity returned; the query text travels only in
the entry's erasable payload.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache, partial
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from polestar import audit
from polestar.access import Viewer, scope_for
from polestar.errors import FieldError, InvalidInput, InvalidValue, PolestarError
from polestar.pole.addresses import STREET_FORMS, street_forms
from polestar.pole.identifiers import PERSON_REFERENCES
from polestar.pole.names import full_name
from polestar.pole.postcodes import Postcode
from polestar.pole.times import event_time
from polestar.pole.vocabularies import WarningMarker
from polestar.pole.vrms import display
from polestar.search.filters import Filters, open_to
from polestar.search.keys import (
    EXACT,
    MIN_SLIPPED_PLATE,
    STRONG,
    address_words,
    description_keys,
    dob_key,
    identifier_key,
    initial_keys,
    lives_key,
    pattern_runs,
    plate_slips,
    postcode_part_keys,
    query_name_keys,
    query_pair_keys,
    reordered_keys,
    town_keys,
    year_key,
)
from polestar.search.query import MAX_LENGTH, Query, parse
from polestar.search.ranking import (
    THRESHOLD,
    address_score,
    born_years,
    description_score,
    fragment_score,
    literal_match,
    one_slip,
    pattern_score,
    person_score,
    postcode_score,
    reference_score,
    slipped_fragment_score,
    typed_words,
)
from polestar.settings import Settings
from polestar.store import search_index
from polestar.store.scope import Scope
from polestar.store.visible import VisibleRow

ACTION = "search"
KINDS = ("person", "vehicle", "location")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Candidate entities read per kind: the index orders them by how many query terms they hit.
CANDIDATES = 60
# An address word typed is spelt again from the words the index holds (`_address_word`) when
# it has this many letters (one slip in `HIG` is too many streets) and no address holds it; of
# the words starting as it does, this many at most are compared.
_RESPELT_FROM = 4
_RESPELLINGS = 2_000
# People born on one day beyond which a typed date of birth does not narrow the name fallback
# (a placeholder date many records share); a real day has a few dozen in a million.
_BORN_MOST = 1_000
# The most keys, per table of the index, a name typed with `*` after it is looked up by.
_PREFIX_NAMES = 50
# Vehicles and places whose linked people join the results.
_LINKED = 10
# People found through a plate, an address or a phone rank just below what matched.
_LINKED_FACTOR = 0.9
# A person of the name typed beside a postcode, district or town (`burnett ST6 2UH`) with no
# address there the viewer may see ranks at this share of the name's score: below those who
# have one.
_ELSEWHERE = 0.85
# The most postcodes or towns a result shows of where a place typed with a name found them.
_PLACES_SHOWN = 2
# A person of the other sex than a title typed says (`Mrs Smith`: Mr Smith) comes after those
# of it, but is not left out: records get it wrong.
_OTHER_SEX = 0.95
# People using a number that starts with what was typed (`07700 9001`) rank at this score.
_PHONE_START = 0.9
# A person of a name typed with a town (`cooper stoke`) with an address in it the viewer may
# see ranks at this share of the name's score: above those a letter or two from the words typed
# (`Lee Cooper` for `cooper leek`), below who bears them all as a name (`john burton`).
_IN_TOWN = 0.99
# The most people of a name typed with a district, or with a town, whose records are read for
# an address there. A town is a larger share of a name's people than a district is, and what is
# read grows with it: at 1M, `cooper stoke` read all 1,050 Coopers' addresses in 375 ms, their
# 60 candidates' in 153 ms.
_NAMED_MOST = 2_000
_TOWN_NAMED_MOST = 500
# The most people of a surname living in a town (its `l` key) whose records are read as well:
# more, and the town is a share of the surname's people that its candidates hold some of
# (at 1M, reading the 470 Smiths of Stafford took `smith stafford` from 115 to 335 ms).
_TOWN_LIVING_MOST = 200
_MARKER_ORDER = {marker.value: index for index, marker in enumerate(WarningMarker)}
_T = TypeVar("_T", str, date)

# The fields ranking reads and a result's name shows (of those the viewer may see).
_RANKED = frozenset(
    {"forename", "middle_names", "surname", "aliases", "dob", "gender", *PERSON_REFERENCES}
    | {"vrm", "make", "model", "colour", "lines", "town", "postcode", "description"}
)


@dataclass(frozen=True)
class Result:
    """One golden entity in a result list, built from the rows the viewer may see."""

    entity_id: str
    kind: str
    score: float
    display_name: str | None
    sources: int
    last_seen: str | None  # as shown: `pole.times.event_time`
    markers: list[str]
    # A person's date of birth as most of the visible records give it: a result list of
    # namesakes is told apart by it. Not in `as_dict`, whose shape issue 6 fixes.
    born: date | None = None
    # Where a name typed with a postcode, district or town found them: the postcodes or towns
    # of their addresses there the viewer may see (`cooper ST5` → ST5 1AB). Not in `as_dict`.
    place: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "kind": self.kind,
            "score": self.score,
            "display_name": self.display_name,
            "sources": self.sources,
            "last_seen": self.last_seen,
            "markers": self.markers,
        }


@dataclass(frozen=True)
class SearchPage:
    """One page of results; `cursor` asks for the next page, None on the last. `withheld` is
    what a justification would add to what the viewer may see (`Scope.withheld`), said
    whatever matched: a search that finds nothing may be one a justification would answer."""

    results: list[Result]
    total: int
    cursor: str | None = None
    withheld: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The shape of `polestar search --json`."""
        return {"results": [r.as_dict() for r in self.results], "total": self.total}


@dataclass
class _Hit:
    entity_id: str
    kind: str
    score: float
    rows: list[VisibleRow] = field(default_factory=list)
    literal: float = 0.0  # how literally the best row names the query (`literal_match`)
    place: str | None = None  # `Result.place`


# The best vehicles or places, and the person rows linked to them (`_linked_to`).
_LinkedTo = tuple[list[_Hit], search_index.LinkedPeople]


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        offset = int(text.removeprefix("o:")) if text.startswith("o:") else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if offset < 0:
        raise InvalidInput(
            "the cursor is not one this search returned",
            [FieldError("cursor", "pass back the cursor of the previous page unchanged")],
        )
    return offset


def _keep(found: dict[str, _Hit], hit: _Hit) -> None:
    """Keep the better of two routes to the same entity."""
    held = found.get(hit.entity_id)
    if held is None or hit.score > held.score:
        found[hit.entity_id] = hit


def person_terms(query: Query, today: date | None = None) -> list[dict[str, int]]:
    """The index terms a person query looks up (an entity must hit one).

    Two or more name words look up their pairs (one term, a few rows per key), unless they
    are one hyphenated word's parts and whole; initials look up each with each word
    (`J SMITH`), a term of its own beside the pairs, since a double-barrelled surname's parts
    pair with nobody's forename but the initial meets its whole (`P MARTINPARRYMAGEE`); one
    word alone looks up its own keys, and so does a hyphenated word alone, by its whole
    (`peterson-marshall`: no record pairs its parts, so their pairs found Peter Marshall and
    missed every Peterson-Marshall). A date of birth is a
    term of its own, so a name with the right date comes first but a mistyped date does not
    lose the name; so is a year of birth or an age range (as of `today`), as each word with
    each year it allows (`y` keys): among more namesakes than the candidates, `smith 1977`
    read the first 60 Smiths by id, not those born in 1977.
    """
    terms: list[dict[str, int]] = []
    hyphenated = _one_hyphenated(query)
    if len(query.names) > 1 and not hyphenated:
        terms.append(query_pair_keys(query.names))
        if not query.initials:
            terms.extend(_surname_whole(parts) for parts in _hyphenated_parts(query.names))
    if query.names and query.initials:
        terms.append(initial_keys(query.initials, query.names))
    elif len(query.names) == 1 or hyphenated:
        name = query.names[-1]
        keys = _surname_whole(query.names[:-1]) if hyphenated else query_name_keys(name)
        if name in query.surnames:
            # A surname with its prefix joined (`o brian`) is not the word without it: Brian's
            # thousands of holders would crowd out the O'Briens.
            keys.pop(f"n:{name[1:]}", None)
        terms.append(keys)
    if query.dob is not None:
        terms.append({dob_key(query.dob): STRONG})
    elif query.names and (years := born_years(query, today or date.today())):
        terms.append({year_key(name, year): STRONG for name in query.names for year in years})
    return terms


def _surname_whole(parts: Sequence[str]) -> dict[str, int]:
    """What a hyphenated word looks up by its whole, its parts in any order as strongly
    (`reordered_keys`)."""
    return reordered_keys(parts) | query_name_keys("".join(parts))


def _hyphenated_parts(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The parts of each hyphenated word among a query's names (`typed_words`)."""
    return [tuple(names[i] for i in word[:-1]) for word in typed_words(names) if len(word) > 1]


def _one_hyphenated(query: Query) -> bool:
    """Whether the query's names are one hyphenated word's parts and its whole
    (`keys.tokens`: `Cook-Smith` → COOK, SMITH, COOKSMITH), none a forename to pair."""
    words = typed_words(query.names)
    return len(words) == 1 and len(words[0]) > 2


def _initial_with_one_surname(query: Query) -> bool:
    """Whether the query is initials with one hyphenated surname (`N. Cook-Smith`)."""
    return bool(query.initials) and _one_hyphenated(query)


def _enough(query: Query, terms: list[dict[str, int]]) -> int:
    """The best candidate's score at which the words' own keys are not searched as well:
    every term hit strongly, or, for an initial with one hyphenated surname, its key with the
    surname's whole hit (a part alone, `N SMITH`, is thousands of people's)."""
    # A year's term is left out: whether the name was found decides it, not the year.
    named = [term for term in terms if not next(iter(term)).startswith("y:")]
    if _initial_with_one_surname(query):
        return EXACT + STRONG * (len(named) - 1)
    return STRONG * len(named)


def _scored(
    conn: Connection, scope: Scope, query: Query, today: date, found: search_index.Candidates
) -> list[_Hit]:
    rows_of = search_index.candidate_rows(conn, scope, "person", found, _RANKED)
    hits = []
    for entity_id, rows in rows_of.items():
        scores = [person_score(query, row.values, today) for row in rows]
        score = max(scores)
        best = [row for row, mine in zip(rows, scores, strict=True) if mine == score]
        if query.sex and _other_sex(query.sex, rows):
            score *= _OTHER_SEX
        if score >= THRESHOLD:
            literal = max(literal_match(query, row.values) for row in best)
            hits.append(_Hit(entity_id, "person", score, rows, literal))
    return hits


def _other_sex(sex: str, rows: list[VisibleRow]) -> bool:
    """Whether a person's rows say they are of the other sex than a title typed says (`Mrs
    Smith`): some row gives one, and none the title's."""
    said = {row.values.get("gender") for row in rows} & {"M", "F"}
    return bool(said) and sex not in said


def _people(
    conn: Connection, scope: Scope, query: Query, today: date, word_by_word: bool = True
) -> list[_Hit]:
    terms = [_initials_respelt(conn, query, term) for term in person_terms(query, today)]
    terms = _prefixes_spelt_out(conn, query, terms)
    found = search_index.candidates(conn, terms, 1, CANDIDATES)
    hits = _scored(conn, scope, query, today, found)
    many = len(query.names) > 1 or query.initials
    if word_by_word and many and found.best < _enough(query, terms):
        # Nobody's name is a letter or a nickname away on both words (or has the initial
        # with the surname as typed): each word's own keys, slower; with a date of birth,
        # only among the few people born that day, where a word's own keys are cheap and
        # its thousands of holders elsewhere would crowd out the one it was. Decided on the
        # index alone, so what the viewer may see changes nothing.
        words = [query_name_keys(name) for name in query.names]
        born = (
            None
            if query.dob is None
            else search_index.keyed(conn, [dob_key(query.dob)], _BORN_MOST)
        )
        need = max(1, len(words) - 1)
        # Nobody born that day: the date is mistyped (a day and month swapped, say), and the
        # name is looked for everywhere, as without a date.
        more = search_index.candidates(conn, words, need, CANDIDATES, born or None)
        hits += _scored(conn, scope, query, today, more.without(found.records))
    return hits


def _prefixes_spelt_out(
    conn: Connection, query: Query, terms: list[dict[str, int]]
) -> list[dict[str, int]]:
    """The terms with, in the first (the name's), the keys the index holds starting with each
    name typed with `*` after it (`Query.prefixed`), as strongly as a name typed whole: beside
    each other word as a pair (`Frazer Will*`: FRAZER WILLIAMS, FRAZER WILLIS…), beside each
    initial (`J Smi*`: J SMITH…), or alone (`Smi*`: SMITH…), `_PREFIX_NAMES` of each at most.
    No record is indexed under the starts of its surname, so `Frazer Will*` had found only
    Frazers with a forename William."""
    if not query.prefixed or not terms:
        return terms
    first = dict(terms[0])
    words = [[query.names[index] for index in word] for word in typed_words(query.names)]
    for stem in query.prefixed:
        others = [word[-1] for word in words if word[-1] != stem]
        if query.initials:
            starts, weight = [f"i:{initial} {stem}" for initial in query.initials], STRONG
        elif others:
            starts, weight = [f"f:{other} {stem}" for other in others], EXACT
        else:
            starts, weight = [f"n:{stem}"], STRONG
        for start in starts:
            spelt = search_index.keys_starting(conn, start, _PREFIX_NAMES)
            first.update(dict.fromkeys(spelt, weight))
    return [first, *terms[1:]]


def _initials_respelt(conn: Connection, query: Query, term: dict[str, int]) -> dict[str, int]:
    """A term of initials with a name (`i:J THOMS`) and, where nobody holds one of its keys,
    the keys one slip from each name among those starting with its first two letters, as
    strongly (`i:J THOMAS`): the initials are indexed with whole names, without a name's
    deletions, so `J Thoms` found nobody, and each word's own keys, read instead, are the
    first 60 of thousands of Thomases, few of them a J. Those two letters are read swapped as
    well, the slip being theirs (`J Htomas`). Other terms as they are."""
    if not next(iter(term)).startswith("i:") or search_index.held(conn, list(term)):
        return term
    respelt = dict(term)
    for initial in query.initials:
        for name in query.names:
            if len(name) < _RESPELT_FROM or not name.isalpha():
                continue
            for start in dict.fromkeys((name[:2], name[1::-1])):
                for key in search_index.keys_starting(conn, f"i:{initial} {start}", _RESPELLINGS):
                    if one_slip(name, key.partition(" ")[2]):
                        respelt[key] = STRONG
    return respelt


def _near(
    conn: Connection,
    scope: Scope,
    query: Query,
    near: tuple[str, str],
    today: date,
    people: list[_Hit],
) -> list[_Hit]:
    """The people of a name typed with a postcode, sector or district (`Query.near`): those
    with an address there the viewer may see keep their score, the others fall below them
    (`_ELSEWHERE`)."""
    outward, inward = near
    if len(inward) == len("2DJ"):
        residents = search_index.people_at(conn, scope, outward, inward)
    else:
        among = _named(conn, query, today, people, _NAMED_MOST)
        residents = search_index.people_at(conn, scope, outward, inward, among)
    return [
        _placed(hit, residents.get(hit.entity_id), 1.0)
        for hit in _with_residents(conn, scope, query, today, people, residents)
    ]


def _at_places(
    conn: Connection,
    scope: Scope,
    query: Query,
    today: date,
    people: list[_Hit],
    places: _LinkedTo,
) -> list[_Hit]:
    """The people of a name typed with an address (`Query.addressed`): those linked to one of
    the best places it finds, in rows the viewer may see, keep their score, the place shown;
    the others fall below them (`_ELSEWHERE`), as the address may be old or mistyped."""
    top, linked = places
    shown = {row.key: _display("location", place.rows) or "" for place in top for row in place.rows}
    residents: dict[str, set[str]] = {}
    for _, entity_id, targets in linked:
        residents.setdefault(entity_id, set()).update(shown[target] for target in targets)
    return [
        _placed(hit, residents.get(hit.entity_id), 1.0)
        for hit in _with_residents(conn, scope, query, today, people, residents)
    ]


def _in_town(conn: Connection, scope: Scope, town: str, query: Query, today: date) -> list[_Hit]:
    """The people of a name read with a town (`Query.in_town`): those with an address in it
    the viewer may see at `_IN_TOWN` of their score, the others at `_ELSEWHERE`."""
    people = _people(conn, scope, query, today)
    among = _named(conn, query, today, people, _TOWN_NAMED_MOST)
    # And the people of each word of the name as a surname living in the town (its `l` key):
    # where the name's namesakes are too many to read, its candidates are 60 of them, which at
    # 1M held 3 of the 14 Coopers of Codsall and none of the 74 Joneses of Uttoxeter.
    living = search_index.keyed(
        conn, [lives_key(name, town) for name in query.names], _TOWN_LIVING_MOST
    )
    among = sorted({*among, *(living or ())})
    residents = {
        entity_id: there
        for entity_id, held in search_index.towns_of(conn, scope, among, town).items()
        if (there := {name for name in held if town in town_keys(name)})
    }
    return [
        _placed(hit, residents.get(hit.entity_id), _IN_TOWN)
        for hit in _with_residents(conn, scope, query, today, people, residents)
    ]


def _placed(hit: _Hit, there: set[str] | None, factor: float) -> _Hit:
    """A person of a name typed with a place: with an address there (`there`, its postcodes or
    towns) at `factor` of the score, and the place shown; elsewhere at `_ELSEWHERE`."""
    if there is None:
        return replace(hit, score=hit.score * _ELSEWHERE)
    shown = sorted(there)[:_PLACES_SHOWN]
    more = len(there) - len(shown)
    place = ", ".join(shown) + (f" and {more} more" if more else "")
    return replace(hit, score=hit.score * factor, place=place)


def _named(conn: Connection, query: Query, today: date, people: list[_Hit], most: int) -> list[str]:
    """Whose addresses to read for a name typed with a district or town, whose thousands of
    addresses are read only in these people's records: those the name's strongest keys hold
    (up to `most`), or else its candidates."""
    weights = person_terms(query, today)[0]
    strongest = [key for key, weight in weights.items() if weight == max(weights.values())]
    named = search_index.keyed(conn, strongest, most)
    return named if named is not None else [hit.entity_id for hit in people]


def _with_residents(
    conn: Connection,
    scope: Scope,
    query: Query,
    today: date,
    people: list[_Hit],
    residents: Collection[str],
) -> list[_Hit]:
    """`people` with the residents the name's keys hold scored as well: among a thousand
    namesakes, the one living there need not be among the name's candidates."""
    terms = person_terms(query, today)
    found = search_index.candidates(conn, terms, 1, CANDIDATES, sorted(residents))
    return people + _scored(conn, scope, query, today, found)


def _referenced(conn: Connection, scope: Scope, references: tuple[str, ...]) -> list[_Hit]:
    """The people with a reference number typed (`Query.references`) in a row the viewer may
    see, the number included."""
    terms = [dict.fromkeys(map(identifier_key, references), STRONG)]
    found = search_index.candidates(conn, terms, 1, CANDIDATES)
    rows_of = search_index.candidate_rows(conn, scope, "person", found, _RANKED)
    return [
        _Hit(entity_id, "person", 1.0, rows)
        for entity_id, rows in rows_of.items()
        if any(reference_score(references, row.values) for row in rows)
    ]


def _vehicles(conn: Connection, scope: Scope, fragment: str) -> list[_Hit]:
    """Plates holding the fragment; when neither a plate nor a postcode does (on the index
    alone, so what the viewer may see changes nothing) and it is long enough, plates one slip
    from it: a witness's misread character, a keystroke missed or swapped."""
    if len(fragment) < 3:
        return []
    found = search_index.candidates(conn, [{f"v:{fragment}": STRONG}], 1, CANDIDATES)
    score: Callable[[str | None], float] = partial(fragment_score, fragment)
    if (
        not found.records
        and len(fragment) >= MIN_SLIPPED_PLATE
        and not search_index.held(conn, [f"p:{fragment}"])
    ):
        slips = plate_slips(fragment)
        terms = [dict.fromkeys((f"v:{slip}" for slip in slips), STRONG)]
        found = search_index.candidates(conn, terms, 1, CANDIDATES)
        score = partial(slipped_fragment_score, slips)
    return _vehicle_hits(conn, scope, found, lambda row: score(row.values.get("vrm")))


def _patterned_vehicles(conn: Connection, scope: Scope, pattern: str) -> list[_Hit]:
    """Plates fitting a plate typed with unknown characters (`Query.plate_pattern`): read by
    every run of known characters together (`v` keys), then fitted whole."""
    terms = [{f"v:{run}": STRONG} for run in pattern_runs(pattern)]
    found = search_index.candidates(conn, terms, len(terms), CANDIDATES)
    return _vehicle_hits(
        conn, scope, found, lambda row: pattern_score(pattern, row.values.get("vrm"))
    )


def _described_vehicles(conn: Connection, scope: Scope, query: Query) -> list[_Hit]:
    """Vehicles described by the words typed, in every reading of them (`Query.vehicles`):
    beside a plate typed whole or in parts (`KV6 honda`, `honda AN74 TLB`), with words with
    digits as a model's (`grey rav4`, `bmw x3 AR61`), or alone (`green honda civic`). Which
    reading finds anything, the index tells. A word no vehicle's description holds (`DAVID`
    of `david brown`) rules out every reading with it, each word probed once at most: read
    whole, a colour or make that is also a surname (`d:BROWN`, `d:FORD`: a thousand vehicles
    at 1M) took 10 ms of each such name's search."""

    @cache
    def held(word: str) -> bool:
        return search_index.held(conn, list(description_keys(word)))

    return [
        hit
        for reading in query.vehicles
        if all(held(word) for word in reading.words)
        for hit in _described(conn, scope, reading.words, reading.fragment)
    ]


def _described(
    conn: Connection, scope: Scope, words: tuple[str, ...], fragment: str | None
) -> list[_Hit]:
    """Vehicles whose make, model and colour, as the viewer may see them, hold every word,
    each as typed or one slip away (`description_score`), scored with the plate fragment's."""
    terms = [description_keys(word) for word in words]
    if fragment:
        terms.append({f"v:{fragment}": STRONG})
    found = search_index.candidates(conn, terms, len(terms), CANDIDATES)

    def score(row: VisibleRow) -> float:
        plate = fragment_score(fragment, row.values.get("vrm")) if fragment else 1.0
        return plate * description_score(words, row.values)

    return _vehicle_hits(conn, scope, found, score)


def _vehicle_hits(
    conn: Connection,
    scope: Scope,
    found: search_index.Candidates,
    score: Callable[[VisibleRow], float],
) -> list[_Hit]:
    """The candidate vehicles the viewer may see, each by its best visible row's score."""
    rows_of = search_index.candidate_rows(conn, scope, "vehicle", found, _RANKED)
    hits = []
    for entity_id, rows in rows_of.items():
        best = max(score(row) for row in rows)
        if best >= THRESHOLD:
            hits.append(_Hit(entity_id, "vehicle", best, rows))
    return hits


def _locations(conn: Connection, scope: Scope, query: Query) -> list[_Hit]:
    postcode = query.postcode or query.fragment or ""
    typed = query.postcode_parts
    groups = [_address_word(conn, word) for word in query.words]
    if typed and len(typed[1]) < len("2DJ"):
        # A district or sector typed: only the place typed, not another that compacts alike.
        groups.append(dict.fromkeys(postcode_part_keys(*typed), STRONG))
    elif postcode:
        groups.append({f"p:{_held_prefix(conn, postcode)}": STRONG})
    if not groups:
        return []
    # Places holding every word typed; only where none does, those missing one of three or
    # more (a word wrong: `10 Duke Lane ST13` where Duke Lane has no 10). Read first, the near
    # misses made every address search group each word's rows: `STREET`'s and a house
    # number's are tens of thousands at 1M. They are read as every word but one, for each
    # word left out, through the index as a search holding every word is (`candidates`):
    # grouped at once, `10 Duke Lane ST13` took 620 ms at 1M.
    found = search_index.candidates(conn, groups, len(groups), CANDIDATES)
    if not found.records and len(groups) > 2:
        for left_out in range(len(groups)):
            others = groups[:left_out] + groups[left_out + 1 :]
            found = found.joined(search_index.candidates(conn, others, len(others), CANDIDATES))
    rows_of = search_index.candidate_rows(conn, scope, "location", found, _RANKED)
    hits = []
    for entity_id, rows in rows_of.items():
        best = 0.0
        for row in rows:
            parts = []
            if postcode or typed:
                parts.append(postcode_score(postcode, typed, row.values.get("postcode")))
            if query.words:
                parts.append(address_score(query.words, address_words(row.values)))
            best = max(best, sum(parts) / len(parts))
        if best >= THRESHOLD:
            hits.append(_Hit(entity_id, "location", best, rows))
    return hits


def _address_word(conn: Connection, word: str) -> dict[str, int]:
    """The `a` keys of an address word typed; for a word no address holds, those of the words
    one slip from it too (`TRENTHM` → TRENTHAM, `WHITINGTON` → WHITTINGTON), among the keys
    starting with its first two letters. Address words are indexed whole, without a name's
    deletions: a mistyped street missed every address holding it, and its other words
    (`28`, `CLOSE`) named thousands of others."""
    keys = dict.fromkeys((f"a:{form}" for form in street_forms(word)), STRONG)
    if len(word) < _RESPELT_FROM or not word.isalpha() or search_index.held(conn, list(keys)):
        return keys
    for key in search_index.keys_starting(conn, f"a:{word[:2]}", _RESPELLINGS):
        if one_slip(word, key[2:]):
            keys[key] = STRONG
    return keys


def _held_prefix(conn: Connection, postcode: str) -> str:
    """A whole postcode, or where no address holds it (a slip in its last letters: `ST13 5ZX`
    for ST13 5ZB), the longest start of it that one does, down to its sector (on the index
    alone, so what the viewer may see changes nothing). A fragment as it is."""
    try:
        Postcode.clean(postcode)
    except InvalidValue:
        return postcode
    held = postcode
    # The two unit letters at most are dropped: the inward code's digit, the sector, stays.
    for _ in range(2):
        if search_index.held(conn, [f"p:{held}"]):
            break
        held = held[:-1]
    return held


def _people_linked(
    linked: search_index.LinkedPeople, scores: dict[tuple[int, str], float]
) -> list[_Hit]:
    """People whose visible rows link to the rows read (`search_index.linked_people`), each at
    the best score of the rows it links to (`scores`, by `VisibleRow.key`), with those person
    rows (for their name)."""
    found: dict[str, _Hit] = {}
    for person, entity_id, targets in linked:
        score = max(scores[target] for target in targets)
        hit = found.setdefault(entity_id, _Hit(entity_id, "person", score))
        hit.score = max(hit.score, score)
        hit.rows.append(person)
    return list(found.values())


def _linked_to(
    conn: Connection, scope: Scope, things: list[_Hit], object_type: str | None = None
) -> _LinkedTo:
    """The best-matching vehicles or places (`_LINKED`), and the visible person rows linked to
    them: read for all their rows at once (one read per place made a postcode fragment's
    search 38 statements, a third of its time on PostgreSQL), and once a search, for the name
    typed with an address (`_at_places`) and for the people found beside the places."""
    top = sorted(things, key=_order)[:_LINKED]
    rows = [row for thing in top for row in thing.rows]
    return top, search_index.linked_people(conn, scope, rows, object_type)


def _linked(things: _LinkedTo) -> list[_Hit]:
    """The people linked to the best-matching vehicles or places, just below them: each at the
    score of the best it links to."""
    top, linked = things
    scores: dict[tuple[int, str], float] = {}
    for thing in top:
        for row in thing.rows:
            scores[row.key] = max(scores.get(row.key, 0.0), thing.score * _LINKED_FACTOR)
    return _people_linked(linked, scores)


def _find(
    conn: Connection, scope: Scope, query: Query, kinds: frozenset[str], today: date
) -> list[_Hit]:
    found: dict[str, _Hit] = {}
    if query.references:
        for hit in _referenced(conn, scope, query.references) if "person" in kinds else ():
            _keep(found, hit)
        return sorted(found.values(), key=_order)
    if (number := query.phone or query.phone_start) is not None:
        if "person" in kinds:
            start = query.phone is None
            phones = search_index.phones(conn, scope, number, start)
            score = _PHONE_START if start else 1.0
            scores = dict.fromkeys((row.key for row in phones), score)
            linked = search_index.linked_people(conn, scope, phones, "phone")
            for hit in _people_linked(linked, scores):
                _keep(found, hit)
        return sorted(found.values(), key=_order)
    # A name beside a district no address is in is no name: `ford KV6` is a car.
    near = query.near
    named = near is not None and search_index.held(conn, [f"p:{''.join(near)}"])
    addressed = query.addressed and "person" in kinds
    places = _locations(conn, scope, query) if addressed else None
    places_linked = _linked_to(conn, scope, places) if places is not None else None
    if (
        (query.names or query.dob)
        and "person" in kinds
        and (named or addressed or not query.is_address)
    ):
        # A surname prefix typed apart (`mc donald`, `o brien`) is read joined as well; read
        # apart (Mc Donald, O. Brien), the words are not then looked up one by one: a second,
        # slower way to name someone nobody may be called (`john o brien` 950 ms at 1M).
        # So is a town typed after a name (`cooper stoke`), by the first reading of the last
        # words the index holds as one; the name's words are then not looked up one by one
        # either (`jones stoke`: every Jones, as the town reading reads them, and every Stokes).
        joined = query.joined
        town = next((t for t in query.in_town if search_index.held(conn, [f"t:{t[0]}"])), None)
        people = [] if joined is None else _people(conn, scope, joined, today)
        alone = joined is None and town is None
        people += _people(conn, scope, query, today, word_by_word=alone)
        if near is not None:
            people = _near(conn, scope, query, near, today, people)
        if places_linked is not None:
            people = _at_places(conn, scope, query, today, people, places_linked)
        if town is not None:
            people += _in_town(conn, scope, *town, today)
        for hit in people:
            _keep(found, hit)
    # A plate in part, with unknown characters or described (`KV6 BMW` is the first and last).
    vehicles: dict[str, _Hit] = {}
    for hit in [
        *(_vehicles(conn, scope, query.fragment) if query.fragment else ()),
        *(_patterned_vehicles(conn, scope, query.plate_pattern) if query.plate_pattern else ()),
        *(_described_vehicles(conn, scope, query) if query.vehicles else ()),
    ]:
        _keep(vehicles, hit)
    for hit in vehicles.values() if "vehicle" in kinds else ():
        _keep(found, hit)
    for hit in (
        _linked(_linked_to(conn, scope, list(vehicles.values()), "vehicle"))
        if "person" in kinds
        else ()
    ):
        _keep(found, hit)
    street = "location" in kinds and _names_a_street(query)
    # A name with a place read as a name (`named`) is an address only when one is asked for.
    address = query.is_address and not (named and kinds != {"location"})
    if query.fragment or address or (query.names and (kinds == {"location"} or street)):
        if not query.is_address and not query.fragment:
            query = replace(query, words=query.names)
        places = _locations(conn, scope, query) if places is None else places
        for hit in places if "location" in kinds else ():
            _keep(found, hit)
        if "person" in kinds:
            places_linked = places_linked or _linked_to(conn, scope, places)
            for hit in _linked(places_linked):
                _keep(found, hit)
    return sorted(found.values(), key=_order)


def _names_a_street(query: Query) -> bool:
    """Words that read as a street as well as a name (`mill lane stone`, typed without a house
    number): a street type and another word. Searched both ways (`Amanda Lane` is a name)."""
    return len(query.names) > 1 and any(name in STREET_FORMS for name in query.names)


def _order(hit: _Hit) -> tuple[float, float, int, str]:
    """Best score first; among equals, the name as typed (`literal_match`), then the entity
    more records hold; then by id (stable)."""
    return (-round(hit.score, 4), -hit.literal, -len(hit.rows), hit.entity_id)


def _plate(vrm: str | None) -> str | None:
    """A plate spaced as printed, or as stored if it is in no GB format."""
    return display(vrm) if vrm else None


def _display(kind: str, rows: Sequence[VisibleRow]) -> str | None:
    """A vehicle's or place's name as most of these rows give it (a person's: `_person_named`)."""
    if kind == "vehicle":
        names = Counter(
            " ".join(
                part
                for part in (
                    _plate(row.values.get("vrm")),
                    row.values.get("colour"),
                    row.values.get("make"),
                    row.values.get("model"),
                )
                if part
            )
            for row in rows
        )
    else:
        names = Counter(
            ", ".join(
                str(part)
                for part in (
                    *(row.values.get("lines") or ()),
                    row.values.get("town"),
                    row.values.get("postcode"),
                )
                if part
            )
            or str(row.values.get("description") or "")  # as a call handler wrote it
            for row in rows
        )
    return _most_given(names, Counter())


def _most_given(given: Counter[_T], matched: Counter[_T]) -> _T | None:
    """What most records give; among equals, what most of those that answered the query give,
    then the first in order."""
    ranked = sorted((value for value in given if value), key=lambda v: (-given[v], -matched[v], v))
    return ranked[0] if ranked else None


def _person_named(
    hit: _Hit, summary: search_index.Summary, by_name: bool
) -> tuple[str | None, date | None]:
    """A person's name and date of birth as most of the records the viewer may see give them.
    A search by name shows the name as the records that answered it give it, which says why
    the person was found (`Mor Butler-Cook` for `morris butler`, whose other records name
    Morgan Cook); any other search, the name of most of their records: found by the date two
    of Mandy Cox's records give with day and month transposed, she was named `Many Cxo`, as
    only those name her."""
    names = Counter(name for row in hit.rows if (name := full_name(row.values)))
    births = Counter(born for row in hit.rows if isinstance(born := row.values.get("dob"), date))
    name = _most_given(names, summary.names) if by_name else _most_given(summary.names, names)
    return name, _most_given(summary.births, births)


def _describe(conn: Connection, scope: Scope, page: list[_Hit], by_name: bool) -> list[Result]:
    """Names, sources, last seen and markers of a page, from the rows the viewer may see;
    `by_name` when the query named someone (`_person_named`)."""
    summaries: dict[str, search_index.Summary] = {}
    for kind in KINDS:
        ids = [hit.entity_id for hit in page if hit.kind == kind]
        if ids:
            summaries.update(search_index.summaries(conn, scope, kind, ids))
    results = []
    for hit in page:
        summary = summaries[hit.entity_id]
        name, born = (
            _person_named(hit, summary, by_name)
            if hit.kind == "person"
            else (_display(hit.kind, hit.rows), None)
        )
        results.append(
            Result(
                entity_id=hit.entity_id,
                kind=hit.kind,
                score=round(hit.score, 4),
                display_name=name,
                sources=len(summary.sources),
                last_seen=event_time(summary.last_seen, summary.last_seen_day_only),
                markers=sorted(
                    summary.markers, key=lambda code: (_MARKER_ORDER.get(code, 99), code)
                ),
                born=born,
                place=hit.place,
            )
        )
    return results


def _check(kind: str | None, limit: int) -> frozenset[str]:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(
            f"no kind {kind[:20]!r}", [FieldError("kind", f"one of {', '.join(KINDS)}")]
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", [FieldError("limit", "1 to 100")]
        )
    return frozenset({kind} if kind else KINDS)


def sources_to_narrow_by(
    engine: Engine, settings: Settings, viewer: Viewer, now: datetime | None = None
) -> list[str]:
    """The source systems `viewer` may narrow a search to (`filters.open_to`), for a form to
    offer: a name they could not use would only bring a 422."""
    with engine.connect() as conn:
        scope = scope_for(
            conn,
            viewer,
            now or datetime.now(UTC),
            require_justification=settings.require_justification,
        )
        return sorted(open_to(conn, scope))


def search(
    engine: Engine,
    settings: Settings,
    viewer: Viewer,
    text: str,
    *,
    kind: str | None = None,
    filters: Filters | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    now: datetime | None = None,
) -> SearchPage:
    """Golden entities answering `text`, ranked, as `viewer` may see them; audited.

    Args:
        text: what was typed: a name, date of birth, postcode, plate, address or phone.
        kind: only `person`, `vehicle` or `location` results.
        filters: only entities from these sources, or people born in this range.
        limit: results per page (1 to 100).
        cursor: the `cursor` of the previous page, for the next one.
        now: when the search happens (agreements' dates, ages); the present by default.

    Raises:
        InvalidInput: (422) nothing searchable, too long, a bad kind, limit or cursor, a
            source the viewer may see nothing from, or no purpose the viewer may state.
            Recorded as a denied consultation.
    """
    now = now or datetime.now(UTC)
    filters = filters or Filters()
    asked = text[:MAX_LENGTH]
    if filters.born:
        asked += f" [born {filters.born_from or ''}..{filters.born_to or ''}]"
    entry = replace(viewer.consultation(ACTION), query=asked, in_results=True, occurred_at=now)
    try:
        kinds = _check(kind, limit)
        offset = _offset(cursor)
        query = parse(text)
        with search_index.reading_for_latency(engine) as conn:
            scope = scope_for(
                conn, viewer, now, require_justification=settings.require_justification
            )
            filters.check(conn, scope)
            hits = filters.narrow(conn, scope, _find(conn, scope, query, kinds, now.date()))
            page = hits[offset : offset + limit]
            results = _describe(conn, scope, page, bool(query.names or query.initials))
    except PolestarError as exc:
        refusal = {"status": exc.status, "reason": type(exc).__name__}
        audit.record(engine, replace(entry, details=refusal).denied(), settings)
        raise
    more = offset + limit < len(hits)
    audit.record(
        engine,
        replace(
            entry,
            entity_ids=tuple(result.entity_id for result in results),
            details={"kind": kind, "total": len(hits), "offset": offset, **filters.audited()},
        ),
        settings,
    )
    return SearchPage(
        results,
        len(hits),
        _cursor(offset + limit) if more else None,
        tuple(sorted(scope.withheld)),
    )
