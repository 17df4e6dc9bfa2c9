"""How well a visible record answers a query: names, dates of birth, plates and addresses.

Scores are in [0, 1] and computed only from the values a viewer may see, so a record whose
matching name is hidden from the viewer does not match for them. Names compare token by token
in any order (`Smith John` is `John Smith`), each query token against its best record token:
equal, a nickname of the same formal name, one cut short from the other, the same metaphone,
or Jaro-Winkler close.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import jellyfish

from polestar.pole.addresses import street_forms
from polestar.pole.identifiers import PERSON_REFERENCES
from polestar.pole.nicknames import formal_forms
from polestar.search.keys import (
    compact_postcode,
    deletions,
    described,
    phonetic,
    surname_tokens,
    tokens,
)
from polestar.search.query import Query

# A record scoring below this is not an answer to the query.
THRESHOLD = 0.6
_MATCHED = 0.85
# The shortest name tokens one slip apart, or one the start of the other, that count as a
# match (`JLR`, `JOR`; `TON`, `TONICHA`; not `JO`, `JA`).
_SHORTEST_SLIP = 3
_CUT_SHORT = 0.92
_SOUNDS_ALIKE = 0.9
_NICKNAME = 0.95
_FORMS_ALIKE = 0.9
_SPELT_APART = 0.97
_BY_MIDDLE_NAME = 0.97
# A double-barrelled surname typed whole that a record holds one part of (`Stevenson` for
# Stevenson-Smith), as a share of the part's own score: below the whole with the forename cut
# short (`Jes Herman-Thompson` is Jessica Herman-Thompson before Jes Thompson).
_ONE_PART = 0.8
# The most letters a hyphenated word's whole and a record's whole may differ by to be compared.
_WHOLE_SLACK = 2


@lru_cache(maxsize=65_536)
def similarity(query: str, token: str) -> float:
    """How alike two name tokens are, 0 to 1: as spelt (`spelled_alike`), or one cut short
    from the other (`TON` for Tonicha, `DAI` for Dairine; closer than a sound-alike), or an
    initial the name starts with."""
    score = spelled_alike(query, token)
    shorter = min(len(query), len(token))
    if shorter == 1 and query[0] == token[0]:
        score = max(score, _SOUNDS_ALIKE)
    elif shorter >= _SHORTEST_SLIP and (query.startswith(token) or token.startswith(query)):
        score = max(score, _CUT_SHORT)
    return score


@lru_cache(maxsize=65_536)
def spelled_alike(query: str, token: str) -> float:
    """How alike two words are as spelt or said, 0 to 1: equal, a nickname of the same formal
    name, Jaro-Winkler (one slip in a short word counted as a match), the same metaphone."""
    if query == token:
        return 1.0
    forms = formal_forms()
    query_forms, token_forms = forms.get(query, frozenset()), forms.get(token, frozenset())
    if query_forms & token_forms:
        # The same name spelt a letter apart is nearer than another name for it: for `JON`,
        # `JOHN` before `JACK` (both John), which ties broke by records held. And a form of
        # the other is nearer than a form of a third both are forms of: for `JACK`, John
        # before Ian, for `MEL`, Melanie before Emma (both forms of Emily).
        if one_slip(query, token):
            return _SPELT_APART
        return _NICKNAME if query in token_forms or token in query_forms else _FORMS_ALIKE
    score = jellyfish.jaro_winkler_similarity(query, token)
    if (
        score < _MATCHED
        and min(len(query), len(token)) >= _SHORTEST_SLIP
        and one_slip(query, token)
    ):
        # One slip in a short name, which Jaro-Winkler rates low (`JLR`, `JOR` 0.8).
        score = _MATCHED
    # A lone letter's metaphone is the letter's (`T` sounded as `DAI`, both T): not compared.
    if min(len(query), len(token)) > 1:
        sound = phonetic(query)
        if sound is not None and sound == phonetic(token):
            score = max(score, _SOUNDS_ALIKE)
    return score


def one_slip(query: str, token: str) -> bool:
    """One letter added, dropped, changed or two swapped."""
    # Cheap first: one edit changes the length by one at most.
    return (
        abs(len(query) - len(token)) <= 1
        and jellyfish.damerau_levenshtein_distance(query, token) == 1
    )


def _sharpened(score: float) -> float:
    """Jaro-Winkler is generous to unrelated short names (`BIBI`, `BOB` 0.7): below a match,
    a token counts for half."""
    return score if score >= _MATCHED else score / 2


def _name_score(query: Query, given: list[str], family: list[str]) -> float:
    """Query tokens against record tokens one to one, best pairs first, in any order; a
    surname only (`Query.surnames`: OBRIAN) against surnames only. A hyphenated word's whole
    meets only tokens about as long, wholes (Jaro-Winkler rated STEVENSONSMITH and STEVENS
    0.9, for their start): its parts meet the rest (`_word_score`)."""
    if not family and not given:
        return 0.0
    record = [(token, False) for token in given] + [(token, True) for token in family]
    wholes = {word[-1] for word in typed_words(query.names) if len(word) > 1}
    pairs = sorted(
        (
            (_term_alike(query, term, token, t in wholes), t, r)
            for t, term in enumerate(query.names)
            for r, (token, surname) in enumerate(record)
            if surname or term not in query.surnames
        ),
        reverse=True,
    )
    best: dict[int, float] = {}
    used: set[int] = set()
    matched: set[int] = set()
    given_hit = surname_hit = False
    for score, term, index in pairs:
        if term in best or index in used:
            continue
        best[term] = _sharpened(score)
        used.add(index)
        if score >= _MATCHED:
            matched.add(index)
            surname_hit = surname_hit or record[index][1]
            given_hit = given_hit or not record[index][1]
    scores = [
        _word_score([best.get(term, 0.0) for term in word]) for word in typed_words(query.names)
    ]
    for initial in query.initials:
        hit = any(token.startswith(initial) for token in given)
        scores.append(1.0 if hit else 0.0)
        given_hit = given_hit or hit
    if not scores:
        return 0.0
    terms = len(scores)
    coverage = (given_hit + surname_hit) / 2 if terms > 1 else float(given_hit or surname_hit)
    score = 0.7 * sum(scores) / len(scores) + 0.3 * coverage
    # A middle name matched while the first forename is not (`Jon Smith` for Craig Jon Smith):
    # most people go by their first, so those who bear the name first come before.
    by_middle = bool(given) and 0 not in matched and bool(matched & set(range(1, len(given))))
    return score * _BY_MIDDLE_NAME if by_middle else score


def _term_alike(query: Query, term: str, token: str, whole: bool) -> float:
    """How alike a query's name and a record token are (`similarity`); a name typed with `*`
    after it (`Query.prefixed`) is cut short from any token starting with it, however short
    (`WI` for Williams); a hyphenated word's whole by `_whole_alike`."""
    if term in query.prefixed and token.startswith(term):
        return max(similarity(term, token), _CUT_SHORT)
    return _whole_alike(term, token) if whole else similarity(term, token)


def _whole_alike(whole: str, token: str) -> float:
    """How alike a hyphenated word's whole (`SMITHJONES`) and a record token are: as spelt, if
    the token is about as long; a part, or the start of one, is its parts' to meet."""
    return spelled_alike(whole, token) if abs(len(whole) - len(token)) <= _WHOLE_SLACK else 0.0


@lru_cache(maxsize=4096)
def typed_words(names: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    """The query's names as typed, by index: a hyphenated word's parts and whole (`keys.tokens`:
    STEVENSON, SMITH, STEVENSONSMITH) as one word, every other name alone."""
    words: list[tuple[int, ...]] = []
    start = 0
    while start < len(names):
        whole = next(
            (
                end
                for end in range(len(names) - 1, start + 1, -1)
                if "".join(names[start:end]) == names[end]
            ),
            start,
        )
        words.append(tuple(range(start, whole + 1)))
        start = whole + 1
    return tuple(words)


def _word_score(scores: list[float]) -> float:
    """A word typed from its names' scores: a hyphenated one by its whole, both its parts
    (`Smith-Stevenson` held for `Stevenson-Smith`), or one part at `_ONE_PART` of it
    (`Stevenson`: records drop a part)."""
    if len(scores) == 1:
        return scores[0]
    *parts, whole = scores
    return max(whole, sum(parts) / len(parts), _ONE_PART * max(parts))


def _names(values: Mapping[str, Any]) -> Iterable[tuple[list[str], list[str]]]:
    for forenames, surname in _written_names(values):
        yield tokens(forenames), surname_tokens(surname)


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# The widest age range looked up as years of birth (`born_years`): `aged 30-40`.
_WIDEST_AGES = 11


def born_years(query: Query, today: date) -> list[int]:
    """The years of birth a year or an age range typed allows (none for an exact date or a
    range wider than eleven ages: it narrows little, and each year is a key per word)."""
    if query.dob is not None:
        return []
    if query.year is not None:
        return [query.year]
    if query.ages is None or query.ages[1] - query.ages[0] >= _WIDEST_AGES:
        return []
    youngest, oldest = query.ages
    # Aged n today is born n years before this year, or n + 1 (the birthday still to come).
    return list(range(today.year - oldest - 1, today.year - youngest + 1))


def _birth(query: Query, born: date | None, today: date) -> float | None:
    """How a record's date of birth agrees with the query's: 1 agrees, 0.3 unknown, 0.5
    near (same year, or day and month swapped), -0.5 disagrees; None excludes the record
    (outside an age range). A record with no date of birth is not left out by an age, as by a
    year: `Orlagh Vega, 42` is the caller whose age nobody took as well."""
    if query.dob is None and query.year is None and query.ages is None:
        return 1.0
    if born is None:
        return 0.3
    if query.ages is not None and not query.ages[0] <= age_on(born, today) <= query.ages[1]:
        return None
    if query.dob is None and query.year is None:
        return 1.0
    if query.dob is not None:
        if born == query.dob:
            return 1.0
        swapped = (born.year, born.month, born.day) == (
            query.dob.year,
            query.dob.day,
            query.dob.month,
        )
        return 0.5 if swapped or born.year == query.dob.year else -0.5
    return 1.0 if born.year == query.year else -0.5


def person_score(query: Query, values: Mapping[str, Any], today: date) -> float:
    """How well one visible person row answers the query, 0 to 1 (below `THRESHOLD`: not)."""
    birth = _birth(query, values.get("dob"), today)
    if birth is None:
        return 0.0
    if not query.names and not query.initials:
        return 1.0 if birth == 1.0 else 0.0
    name = max((_name_score(query, given, family) for given, family in _names(values)))
    if query.dob is None and query.year is None and query.ages is None:
        return name
    return max(0.0, 0.85 * name + 0.15 * birth)


def literal_match(query: Query, values: Mapping[str, Any]) -> float:
    """How literally a row names the query as typed, to order results of equal score.

    `person_score` rates a nickname, an initial, a swapped order or an extra middle name as
    well as the name as typed (each is the same person, written another way); among rows of
    equal score, the one written as typed comes first: each word typed exactly counts 1 (an
    initial counts when the row has that letter as a word: `W Slater`), the typed words in
    the row's order 0.5 more, and each word of the row the query leaves out -0.25, its
    middle names counted as one however many; a part of a double-barrelled surname left out
    costs as much again. Middle names are seldom typed, a surname's parts usually are: for
    `John Lee`, John Mark Lee before John Lee-Evans, and for `Mark Evans`, Mark Robert Jon
    Evans before Mark Lawrence-Evans.
    """
    typed = len(query.names) + len(query.initials)
    best = float("-inf")
    for forenames, surname in _written_names(values):
        given = tokens(forenames.replace("-", " "))
        parts = tokens(surname.replace("-", " "))
        words = given + parts
        places = [words.index(name) for name in query.names if name in words]
        exact = len(places) + sum(initial in words for initial in query.initials)
        in_order = len(places) > 1 and places == sorted(places)
        left_out = max(0, len(words) - typed)
        left_out -= max(0, min(left_out, len(given) - 1) - 1)  # the middle names, as one
        parts_left_out = sum(part not in query.names for part in parts) if len(parts) > 1 else 0
        best = max(best, exact + 0.5 * in_order - 0.25 * (left_out + parts_left_out))
    return best


def _written_names(values: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """A row's names as written: forenames (middle names too) and surname, then each alias's."""
    forenames = " ".join(v for v in (values.get("forename"), values.get("middle_names")) if v)
    yield forenames, values.get("surname") or ""
    for alias in values.get("aliases") or ():
        if isinstance(alias, Mapping):
            yield alias.get("forename") or "", alias.get("surname") or ""


def reference_score(references: Collection[str], values: Mapping[str, Any]) -> float:
    """1 for a person row holding a reference number typed (`Query.references`), as the
    viewer may see it; 0 otherwise."""
    return float(any(values.get(field) in references for field in PERSON_REFERENCES))


def fragment_score(fragment: str, value: str | None) -> float:
    """A compact VRM or postcode against a fragment of it: whole 1, start 0.9, inside 0.8,
    each scaled by how much of the value the fragment covers."""
    if not value:
        return 0.0
    compact = compact_postcode(value)
    if fragment == compact:
        return 1.0
    cover = len(fragment) / len(compact)
    if compact.startswith(fragment):
        return 0.7 + 0.2 * cover
    if fragment in compact:
        return 0.6 + 0.2 * cover
    return 0.0


def pattern_score(pattern: str, value: str | None) -> float:
    """A compact VRM against a plate typed with unknown characters (`Query.plate_pattern`):
    as `fragment_score` scores what fits, by the share of the plate the known characters
    are, but a whole plate fitting 0.9 up, below the plate typed whole."""
    if not value:
        return 0.0
    compact = compact_postcode(value)
    fitted = _pattern(pattern).search(compact)
    if fitted is None:
        return 0.0
    cover = len(pattern.replace("?", "").replace("*", "")) / len(compact)
    if fitted.span() == (0, len(compact)):
        return 0.9 + 0.1 * cover
    return (0.7 if fitted.start() == 0 else 0.6) + 0.2 * cover


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile("".join({"?": ".", "*": ".*"}.get(ch, re.escape(ch)) for ch in pattern))


# A plate matched only one slip away (`keys.plate_slips`) ranks below one matched as typed.
_SLIPPED = 0.85
# A postcode this long or longer that agrees with a stored one but for its last two letters
# scores up to this (`postcode_score`).
_SLIPPED_POSTCODE = 5
_NEAR_POSTCODE = 0.8


def slipped_fragment_score(slips: Iterable[str], value: str | None) -> float:
    """A compact VRM against the fragments one slip from what was typed: the best of them,
    scaled down (`fragment_score`)."""
    if not value:
        return 0.0
    compact = compact_postcode(value)
    held = [slip for slip in slips if slip in compact]
    return _SLIPPED * max((fragment_score(slip, value) for slip in held), default=0.0)


# A vehicle whose description holds a word typed only one slip away (`VOLKSWAGON`).
_DESCRIBED_APART = 0.95


def description_score(words: Iterable[str], values: Mapping[str, Any]) -> float:
    """How a vehicle's make, model and colour answer the words typed to describe it: 1 when
    it holds each, `_DESCRIBED_APART` when one or more only one slip away, 0 when it lacks one."""
    held = described(values)
    score = 1.0
    for word in words:
        if word in held:
            continue
        near = deletions(word)
        if not any(near & deletions(other) for other in held):
            return 0.0
        score = _DESCRIBED_APART
    return score


def postcode_score(fragment: str, parts: tuple[str, str] | None, postcode: str | None) -> float:
    """A stored postcode against what was typed. Typed as a postcode's parts (`ST16`, `ST1 6`;
    `Query.postcode_parts`), the addresses it names score 0.9 for a district, up to 1 for the
    whole postcode: above those whose compact postcode merely starts alike (`ST16` starts
    `ST1 6GR`, 0.83); otherwise `fragment_score`, or, for a postcode in the same sector as
    one typed with a slip in its last letters (`ST13 5ZX` for ST13 5ZB), up to 0.8 by how much
    of it agrees."""
    if not postcode:
        return 0.0
    if parts:
        outward, inward = parts
        held_outward, _, held_inward = postcode.partition(" ")
        if held_outward == outward and held_inward.startswith(inward):
            return 0.9 + 0.1 * len(inward) / 3
    if not fragment:
        return 0.0
    score = fragment_score(fragment, postcode)
    if score or len(fragment) < _SLIPPED_POSTCODE:
        return score
    compact = compact_postcode(postcode)
    agree = next(
        (i for i, (a, b) in enumerate(zip(fragment, compact, strict=False)) if a != b), None
    )
    if agree is None or agree < len(fragment) - 2:
        return 0.0
    return _NEAR_POSTCODE * agree / len(fragment)


def address_score(words: Iterable[str], address_words: Iterable[str]) -> float:
    """The share of the query's address words the address holds (a street type as its word or
    its abbreviation; a word one edit away counts as most of one)."""
    wanted = list(words)
    if not wanted:
        return 1.0
    held = set(address_words)
    score = 0.0
    for word in wanted:
        if street_forms(word) & held:
            score += 1.0
        elif not word[0].isdigit() and any(spelled_alike(word, other) >= 0.9 for other in held):
            score += 0.8
    return score / len(wanted)
