"""Search keys: the strings under which a record is indexed, and those a query looks up.

Pure functions, no I/O. A key is `<letter>:<value>`; the letters (docs/search.md):

- `n`: a name token's match key and every form of it with one letter deleted (SymSpell): a
  query token and its own deletions meet an indexed token one edit away (a typo, a dropped
  or doubled letter, two letters swapped) with exact lookups only.
- `m`: a name token's metaphone (`Thompson`, `Tomson`).
- `k`: the formal forms of a forename (`BILL` → `WILLIAM`), so nicknames meet formal names.
- `i`: a forename's initial with a surname part (`J SMITH`), for `J. Smith`.
- `f`, `h`, `g`: a forename with a surname, one letter away on either side (`f`), by the
  forename's formal form (`h`) or by both sounds (`g`): what a two-word name looks up.
- `b`: a date of birth (ISO).
- `y`: a surname token with the year of birth (`SMITH 1977`).
- `v`: every run of three or more characters of a compact VRM, for partial plates.
- `d`: a word of a vehicle's make, model or colour (`HONDA`, `CIVIC`, `GREEN`), and every
  form of it with one letter deleted, as `n` keys are.
- `p`: every prefix of three or more characters of a compact postcode (district, sector…).
- `a`: a word of an address or of a place's description (match key, or a house number as
  written).
- `t`: an address's town, whole and each word of it (`STOKEONTRENT`, `STOKE`, `TRENT`): so a
  town typed after a name is read as one (`cooper stoke`).
- `l`: a surname with a town the person has an address in (`COOPER CODSALL`).
- `x`: a person's reference numbers as stored (canonical): PNC ID, CRO number, NI number,
  probation CRN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import permutations
from typing import Any

import jellyfish

from polestar.errors import InvalidValue
from polestar.pole.identifiers import PERSON_REFERENCES
from polestar.pole.names import match_key
from polestar.pole.nicknames import formal_forms
from polestar.pole.postcodes import INWARD_STARTS

# The version of the keys below: raised whenever what a record is indexed under changes, so a
# store indexed before is rebuilt by its next linkage run (`index.refresh_stale`). 2: the `y`
# keys, a surname with the year of birth; 3: British short forms (`pole.nicknames._BRITISH`)
# in the `k` and `h` keys; 4: the `d` keys, a vehicle's make, model and colour; 5: those
# words' one-letter deletions; 6: the words of a make or model with a digit, whole (`RAV4`);
# 7: the `t` keys, an address's town; 8: more British short forms (`IZZY` → Isabel); 9: the
# `l` keys, a surname with a town the person has an address in; 10: the `x` keys, a person's
# reference numbers.
KEYS_VERSION = 10
# Deletions of tokens shorter than this would be keys shared by too many names (`JO`, `AN`).
_MIN_DELETE = 4
# Paired with the other name, a short token's deletions are specific enough (`JR ROBERTS`):
# so a slip in a three-letter name (`Jlr` for `Jor`, `Tmo` for `Tom`) still meets it.
_MIN_PAIR_DELETE = 3
_MIN_FRAGMENT = 3
# Name tokens and forename-surname pairs whose keys are kept: a county's records repeat names
# (a person's records in each system, common forenames), and indexing an ingest's arrivals
# worked the same keys out again for each.
_CACHED = 1 << 16


def tokens(text: str | None) -> list[str]:
    """The match keys of a name's words, hyphenated parts and the whole of a hyphenated word:
    `Smith-Jones` → SMITH, JONES, SMITHJONES."""
    return list(_tokens(text)) if text else []


@lru_cache(maxsize=_CACHED)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: names and address words recur across a county's records, and folding each
    # (`match_key`) was a tenth of indexing an ingest's arrivals.
    found: list[str] = []
    for word in text.replace(",", " ").split():
        parts = [*word.split("-"), word] if "-" in word else [word]
        for part in parts:
            try:
                key = match_key(part)
            except InvalidValue:
                continue
            if key not in found:
                found.append(key)
    return tuple(found)


def deletions(token: str, shortest: int = _MIN_DELETE) -> set[str]:
    """The token and every form of it with one letter deleted (only for tokens of `shortest`
    letters or more)."""
    found = {token}
    if len(token) >= shortest:
        found.update(token[:i] + token[i + 1 :] for i in range(len(token)))
    return found


def phonetic(token: str) -> str | None:
    """The token's metaphone, or None for a token metaphone cannot encode (non-Latin)."""
    if not token.isascii():
        return None
    return jellyfish.metaphone(token) or None


@lru_cache(maxsize=_CACHED)
def token_keys(token: str) -> frozenset[str]:
    """The `n` and `m` keys of one name token (a query token looks up the same set)."""
    keys = {f"n:{form}" for form in deletions(token)}
    sound = phonetic(token)
    if sound:
        keys.add(f"m:{sound}")
    return frozenset(keys)


def forename_keys(token: str) -> set[str]:
    """The `k` keys of a forename token: its formal forms."""
    return {f"k:{form}" for form in formal_forms().get(token, ())}


def surname_tokens(surname: str | None) -> list[str]:
    """A surname's tokens and, for a double-barrelled one, its whole (`Smith Jones` →
    SMITH, JONES, SMITHJONES), however it was written."""
    found = tokens(surname)
    if surname and len(found) > 1:
        whole = "".join(tokens(surname.replace("-", " ")))
        if whole not in found:
            found.append(whole)
    return found


def name_keys(forenames: str | None, surname: str | None) -> set[str]:
    """Every key of one name: its tokens, the forenames' formal forms, initial + surname."""
    given, family = tokens(forenames), surname_tokens(surname)
    keys: set[str] = set()
    for token in (*given, *family):
        keys |= token_keys(token)
    for token in given:
        keys |= forename_keys(token)
    if given:
        keys.update(f"i:{given[0][0]} {part}" for part in family)
        for part in family:
            keys |= pair_keys(given[0], part)
    return keys


@lru_cache(maxsize=_CACHED)
def pair_keys(forename: str, surname: str) -> frozenset[str]:
    """The `f`, `h` and `g` keys of a forename and a surname together: the pair with one
    letter deleted from either, the forename's formal forms with the surname, and both sounds.
    A two-word query looks these up instead of each word's own keys, which match thousands of
    people each (`JOHN`, `SMITH`), so a common name costs a few exact lookups; the forename's
    first three letters or more stand for it too (a short form)."""
    keys = {f"f:{form} {surname}" for form in deletions(forename, _MIN_PAIR_DELETE)}
    keys.update(f"f:{forename} {form}" for form in deletions(surname, _MIN_PAIR_DELETE))
    # A forename's start is a short form people use (`Chris`, `Alex`, `Gra`).
    keys.update(f"f:{forename[:end]} {surname}" for end in range(3, len(forename)))
    keys.update(f"h:{form} {surname}" for form in formal_forms().get(forename, ()))
    sounds = phonetic(forename), phonetic(surname)
    if sounds[0] and sounds[1]:
        keys.add(f"g:{sounds[0]} {sounds[1]}")
    return frozenset(keys)


def person_keys(values: Mapping[str, Any]) -> set[str]:
    """Every key of a person row: names, aliases, date of birth, towns and reference numbers."""
    forenames = " ".join(v for v in (values.get("forename"), values.get("middle_names")) if v)
    keys = name_keys(forenames, values.get("surname"))
    surnames = [values.get("surname")]
    for alias in values.get("aliases") or ():
        if isinstance(alias, Mapping):
            keys |= name_keys(alias.get("forename"), alias.get("surname"))
            surnames.append(alias.get("surname"))
    family = {token for name in surnames for token in surname_tokens(name)}
    dob = values.get("dob")
    if isinstance(dob, date):
        keys.add(dob_key(dob))
        keys.update(year_key(token, dob.year) for token in family)
    for town in (values.get("towns") or "").splitlines():
        keys.update(lives_key(token, place) for token in family for place in town_keys(town))
    keys.update(
        identifier_key(value) for field in PERSON_REFERENCES if (value := values.get(field))
    )
    return keys


def identifier_key(value: str) -> str:
    """The `x` key of a reference number, canonical (`2009/0123456C`, `X123456`): one letter
    for every kind, whose canonical forms never coincide."""
    return f"x:{value}"


def dob_key(dob: date) -> str:
    """The `b` key of a date of birth."""
    return f"b:{dob.isoformat()}"


def year_key(surname: str, year: int) -> str:
    """The `y` key of a surname token with a year of birth (`y:SMITH 1977`): `smith 1977`
    reads the Smiths born that year, where the name's own keys name thousands of Smiths."""
    return f"y:{surname} {year}"


def lives_key(surname: str, town: str) -> str:
    """The `l` key of a surname token with a town the person has an address in (`l:COOPER
    CODSALL`, the town as `town_keys` gives it): `cooper codsall` reads the Coopers of Codsall,
    where the name's own keys name a thousand Coopers at 1M and a search reads 60."""
    return f"l:{surname} {town}"


def fragments(compact: str) -> set[str]:
    """Every run of at least three characters of a compact VRM."""
    return {
        compact[start:end]
        for start in range(len(compact))
        for end in range(start + _MIN_FRAGMENT, len(compact) + 1)
    }


def pattern_runs(pattern: str) -> list[str]:
    """The runs of known characters in a plate typed with unknown ones (`Query.plate_pattern`:
    `AN74?LB` → AN74), each long enough to be a `v` key."""
    return [run for run in re.split(r"[?*]+", pattern) if len(run) >= _MIN_FRAGMENT]


# Fragments this long or longer that name no plate are looked for one slip away
# (`plate_slips`); shorter ones would meet most plates.
MIN_SLIPPED_PLATE = 5
_PLATE_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def plate_slips(fragment: str) -> set[str]:
    """The runs a plate would hold had `fragment` been read or typed with one slip: a
    character changed (`KV69YPI` for KV69 YPJ, `KV69YPJ` read as `KV6SYPJ`), one missed inside
    (`KV6YPJ`) or added, or two swapped. About 500 `v` keys for a whole plate, each an exact
    lookup, as a name's deletions are."""
    inside = range(1, len(fragment))
    slips = {fragment[:i] + fragment[i + 1 :] for i in range(len(fragment))}
    slips |= {fragment[:i] + ch + fragment[i:] for i in inside for ch in _PLATE_CHARACTERS}
    slips |= {
        fragment[:i] + ch + fragment[i + 1 :]
        for i in range(len(fragment))
        for ch in _PLATE_CHARACTERS
    }
    slips |= {fragment[: i - 1] + fragment[i] + fragment[i - 1] + fragment[i + 1 :] for i in inside}
    slips.discard(fragment)
    return {slip for slip in slips if len(slip) >= _MIN_FRAGMENT}


def vehicle_keys(values: Mapping[str, Any]) -> set[str]:
    """The keys of a vehicle: its plate's fragments (`v`) and the words of its make, model and
    colour (`d`)."""
    vrm = values.get("vrm")
    keys = {f"v:{part}" for part in fragments(vrm)} if vrm else set()
    for word in described(values):
        # A word with a digit is indexed whole: one without it is another model (`208`, `2008`).
        keys.update(f"d:{form}" for form in (deletions(word) if word.isalpha() else {word}))
    return keys


def described(values: Mapping[str, Any]) -> set[str]:
    """The words of a vehicle's make, model and colour: match keys (`Land Rover`, `Discovery
    Sport`, `Dark Green`), and a word with a digit in it whole (`numbered`)."""
    texts = [values.get(field) for field in ("make", "model", "colour")]
    return {word for text in texts for word in (*tokens(text), *numbered(text))}


def numbered(text: str | None) -> list[str]:
    """The words of a make or model with a digit in them, compact and upper case (`RAV4`,
    `A3`, `i10` → I10, `208`, the 5 of `5 Series`), which match keys, letters only, lose."""
    words = str(text or "").replace(",", " ").split()
    compact = ("".join(ch for ch in word.upper() if ch.isalnum()) for word in words)
    return [word for word in compact if any(ch.isdigit() for ch in word)]


def description_keys(word: str) -> dict[str, int]:
    """What one word typed to describe a vehicle looks up, weighted: itself, and each form one
    letter away, which meets the stored words one slip from it (`VOLKSWAGON`, `VAUXHAL`); a
    word with a digit, only itself (`numbered`)."""
    if not word.isalpha():
        return {f"d:{word}": STRONG}
    keys = dict.fromkeys((f"d:{form}" for form in deletions(word)), WEAK)
    keys[f"d:{word}"] = STRONG
    return keys


def compact_postcode(text: str) -> str:
    """A postcode or part of one without spaces, upper case: `st16 2` → `ST162`; hyphens go
    too, as from what is typed in the search box (another country's `00-950`)."""
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def address_words(values: Mapping[str, Any]) -> Iterator[str]:
    """The words of an address's lines and town, and of a place described in free text (a
    control room's "outside 12 High Street"): house numbers as written, others as match
    keys."""
    lines = [*(values.get("lines") or ()), values.get("town"), values.get("description")]
    for line in lines:
        for word in str(line or "").replace(",", " ").split():
            if any(ch.isdigit() for ch in word):
                yield word.upper()
            else:
                yield from tokens(word)


def location_keys(values: Mapping[str, Any]) -> set[str]:
    """The `p`, `a` and `t` keys of a location: its postcode's prefixes, its address words
    and its town."""
    lines = values.get("lines")
    return set(
        _address_keys(
            tuple(lines) if lines else (),
            values.get("town"),
            values.get("description"),
            values.get("postcode"),
        )
    )


@lru_cache(maxsize=_CACHED)
def _address_keys(
    lines: tuple[str, ...], town: str | None, description: str | None, postcode: str | None
) -> frozenset[str]:
    # Cached: a county's records give the same address again and again (1.16 M location
    # records of 415,000 places at a million people), and working its keys out was two fifths
    # of a full index build's key derivation.
    values = {"lines": lines, "town": town, "description": description}
    keys = {f"a:{word}" for word in address_words(values)}
    keys.update(f"t:{key}" for key in town_keys(town))
    if postcode:
        compact = compact_postcode(postcode)
        keys.update(f"p:{compact[:end]}" for end in range(_MIN_FRAGMENT, len(compact) + 1))
    return frozenset(keys)


@lru_cache(maxsize=_CACHED)
def town_keys(town: str | None) -> frozenset[str]:
    """What a town is known by, as match keys: the whole of its name and each word of it
    (`Newcastle-under-Lyme` → NEWCASTLEUNDERLYME, NEWCASTLE, UNDER, LYME), as an officer
    may type it after a name (`cooper newcastle`, `smith stoke on trent`). Cached: a county
    has a few dozen towns, named in every address and every person's `l` keys."""
    if not town:
        return frozenset()
    try:
        whole = {match_key(town)}
    except InvalidValue:
        return frozenset()
    return frozenset(whole | set(tokens(town)))


def postcode_part_keys(outward: str, inward: str) -> list[str]:
    """The `p` keys that only addresses with this outward code and inward start hold: with
    the inward code's digit and first letter at least (`ST16` + `2D`). `p:ST16` alone is also
    every address of ST1's sector 6 (`ST1 6GR` compacts to `ST16GR`), and `p:ST1` with a
    digit alone is also districts ST10 to ST19."""
    starts = [start for start in INWARD_STARTS if start.startswith(inward)]
    return [f"p:{outward}{start}" for start in starts or [inward]]


# Weights of the keys a query term looks up: the token itself, or a nickname's formal form,
# is stronger evidence than a deletion or a sound, so those candidates are read first.
EXACT, STRONG, WEAK = 3, 2, 1


def query_name_keys(token: str) -> dict[str, int]:
    """What one query name token looks up, weighted: `n`, `m` and (as a forename) `k` keys."""
    keys = dict.fromkeys(token_keys(token), WEAK)
    keys[f"n:{token}"] = STRONG
    keys.update(dict.fromkeys(forename_keys(token), STRONG))
    return keys


# The most parts of a hyphenated word whose other orders are looked up (3: six orders).
_MOST_REORDERED = 3


def reordered_keys(parts: Sequence[str]) -> dict[str, int]:
    """What a hyphenated word typed alone looks up beside its whole's keys: its whole with the
    parts in every other order (`Ellis-Baker` → BAKERELLIS), as strongly: systems write a
    double-barrelled surname either way round, and no record pairs its parts to find it by."""
    if len(parts) > _MOST_REORDERED:
        return {}
    return {f"n:{''.join(order)}": STRONG for order in permutations(parts)}


def query_pair_keys(names: Sequence[str]) -> dict[str, int]:
    """What a query of two or more name words looks up: every ordered pair of its words as
    forename and surname (either may come first), weighted: the pair as typed, then one
    letter away or a nickname's formal form, then the same sounds. A short form typed with a
    surname one slip out (`Liz Beryr`) looks up its formal forms with the surname's deletions,
    as a record of the formal form is indexed with its own (`f:LISA BERY` for Lisa Berry):
    a nickname with a slip had found only those the nickname itself names."""
    keys: dict[str, int] = {}
    for first, second in permutations(names, 2):
        for key in pair_keys(first, second):
            weight = {"f": STRONG, "h": STRONG, "g": WEAK}[key[0]]
            keys[key] = max(keys.get(key, 0), weight)
        for form in formal_forms().get(first, ()):
            for slipped in deletions(second, _MIN_PAIR_DELETE):
                keys.setdefault(f"f:{form} {slipped}", STRONG)
        keys[f"f:{first} {second}"] = EXACT
    return keys


def initial_keys(initials: Iterable[str], others: Sequence[str]) -> dict[str, int]:
    """The `i` keys a query of initials and other tokens looks up (`J SMITH`), weighted: with a
    double-barrelled surname's whole (`M LOGHANMASON`, a token holding two others) above a
    part of it (`M MASON`), which thousands more people hold, so they cannot fill the
    candidates before the one person the whole names."""

    def weight(token: str) -> int:
        parts = sum(1 for other in others if other != token and other in token)
        return EXACT if parts > 1 else STRONG

    return {f"i:{initial} {token}": weight(token) for initial in initials for token in others}
