"""Reading what someone typed into the search box: names, dates, plates, postcodes, phones.

One box takes everything (`Jon Smyth 1984`, `st16 2`, `ab12c`, `07700 900123`,
`7 Mill Lane Stone`, `smith aged 30-40`). The text is read once into a `Query`; nothing here
touches the store. Text that holds nothing searchable is an `InvalidInput` (HTTP 422) that
says what to type, never an error further down.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from polestar.errors import InvalidInput, InvalidValue
from polestar.pole.addresses import RELATIVE_PREFIXES, STREET_FORMS
from polestar.pole.dates import DateValue
from polestar.pole.identifiers import person_references
from polestar.pole.names import match_key, strip_affixes
from polestar.pole.phones import Phone
from polestar.pole.postcodes import typed_parts
from polestar.search.keys import compact_postcode, pattern_runs, tokens

MAX_LENGTH = 200
_AGE = re.compile(r"\bage[ds]?\s*(\d{1,3})(?:\s*(?:-|to|–)\s*(\d{1,3}))?\b", re.IGNORECASE)
# Two digits after a name and nothing else, as a report describes someone (`Jack Stevenson,
# 26`): an age, give or take a year (a description's age was right when it was written; `aged
# 26` asks for 26 exactly). A house number comes before its street, and a two-digit year of
# birth is typed with its date.
_TRAILING_AGE = re.compile(r"^(?P<name>[^\d]*[^\W\d_][^\d]*?)[\s,]+(?P<age>[1-9]\d)\s*$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
# Dates of birth as officers type them: `1980-03-01`, `01/03/1980`, `1.3.80`, `1 Mar 80`,
# `1st March 1980`, and run together as the PNC writes them, `01031980` or `010380` (read as a
# date only when it is one: six digits may be part of a telephone number), or spaced with a
# whole year, `01 03 1980` (likewise: numbers of an address may be spaced so).
_DATES = (
    (re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"), True),
    (re.compile(r"\b(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})\b"), True),
    (
        re.compile(
            rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]*{_MONTH}\.?[\s\-/.,]*(?P<y>\d{{4}}|\d{{2}})\b",
            re.IGNORECASE,
        ),
        True,
    ),
    (re.compile(r"\b(?P<d>\d{1,2})\s+(?P<m>\d{1,2})\s+(?P<y>\d{4})\b"), False),
    (re.compile(r"\b(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{4}|\d{2})\b"), False),
)
# Words that only announce a date of birth: `dob 01/03/1980`, `born 1980`.
_BORN = re.compile(
    r"(?<![\w.])(?:born|dob|d\.o\.b\.?|date\s+of\s+birth|b\.(?=\s*(?:\d|$)))(?!\w)\s*:?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_PHONE = re.compile(r"^[+(\d][\d\s\-.()/+]{9,}$")
_PHONE_START_DIGITS = 8
_FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[A-Z0-9]{2,8}$")
# The sex a title says a person is.
_TITLE_SEX = {"MR": "M", "MRS": "F", "MS": "F", "MISS": "F"}
# A plate typed with characters a witness did not see: `?` for one, `*` for any run.
_PLATE_PATTERN = re.compile(r"^[A-Z0-9?*]{3,9}$")
# The shortest word read as part of a vehicle's description, and the shortest plate fragment
# beside one.
_SHORTEST_WORD = 3
# A plate's letters typed apart from its digits (`AN74 TLB`), three at most; and the most
# words one plate is typed in (`AN 74 T LB`).
_PLATE_LETTERS = 3
_PLATE_WORDS = 4
# Makes as often typed (`vw golf`).
_MAKES_SHORT = {"VW": "VOLKSWAGEN", "MERC": "MERCEDES"}
# The most words a town's name has (`Newcastle under Lyme`).
_TOWN_WORDS = 3
# Surname prefixes often typed as words of their own: `mc donald`, `o brien`, `de souza`.
# `van der berg`: a prefix may follow another.
_PREFIXES = frozenset(
    {"MC", "MAC", "O", "ST", "DE", "DA", "DI", "DU", "LA", "LE", "VAN", "VON", "DER", "DEN", "DEL"}
)


@dataclass(frozen=True)
class Described:
    """One reading of words typed to describe a vehicle (`Query.vehicles`): what its make,
    model and colour must hold — match keys, and model numbers compact (`RAV4`, the 5 of
    `5 Series`) — and the plate fragment typed beside them, if any."""

    words: tuple[str, ...]
    fragment: str | None = None


@dataclass(frozen=True)
class Query:
    """A search read from text.

    Attributes:
        names: match keys of name words (two letters or more).
        initials: single letters (`J. Smith`).
        dob: an exact date of birth; `year` a year of birth; `ages` an age range, inclusive.
        fragment: a compact string that may be part of a VRM or a postcode (`AB12C`, `ST162`).
        postcode_parts: the fragment as a postcode's outward code and the start of its inward
            code, when typed as one (`ST16` → ST16 and nothing, `ST1 6` → ST1 and 6: both
            compact to `ST16`).
        postcode: a complete postcode found in a longer address, compact.
        words: address words (house numbers as written, other words as match keys), when the
            text reads as an address: it holds a number or a postcode.
        phone: a telephone number in E.164; `phone_start` the start of one (`07700 9001`:
            +4477009001), eight digits or more after the 0.
        vehicles: the ways the words may describe a vehicle — make, model, colour — beside a
            plate typed whole or in parts (`KV6 honda`, `yellow honda AN74 TLB`) or alone, two
            or more (`green honda civic`). A word with digits is read as a plate's and as a
            model's (`grey rav4`, `audi a3`, `bmw x3 AR61`): the index tells which it is.
        joined: the same name read with each surname prefix joined to the word after it
            (`mc donald`, `o brien`, `mc-donald` → MCDONALD, OBRIEN), when one was typed
            apart: most records hold such a name as one word, which the words apart, each a
            term of its own, do not meet.
        near: a postcode, sector or district typed beside a name and nothing else of an
            address (`burnett ST6 2UH`, `cooper ST5`): its outward code and the start of its
            inward code. The name's people with an address there come first.
        surnames: names read as a surname only: a prefix joined to the word after it (`o brian`
            → OBRIAN in `joined`), which is no one's forename (Brian).
        in_town: the same name read with its last one, two or three words as a town
            (`caroline cooper newcastle`, `smith stoke on trent`), longest first: each the
            town's match key (`keys.town_keys`) and the query of the words left. The search
            reads the first whose town the index holds; the words may be a name as well
            (`john burton`).
        plate_pattern: a plate typed with characters a witness did not see, compact: `?`
            for one, `*` for any run (`AN74 ?LB` → AN74?LB). With a digit in it, the only
            reading; of letters alone (`AN?? TLB`, `sm?th`), beside a name's.
        references: the reference numbers typed, canonical: a PNC ID, CRO number, NI number
            or probation CRN (`pole.identifiers.person_references`), the only reading.
        sex: `M` or `F` when a title typed says so (`Mrs Smith`): those of it come first, but
            a record of the other sex is not left out (records get it wrong).
        addressed: a name typed before an address (`Jack Stevenson 10 Vernon Road`): `names`
            and `initials` are the name's, `words` the address's. The name's people linked to
            the places the address finds come first.
        prefixed: names typed with a `*` after them (`Frazer Will*`, `Smi*`), two letters or
            more, also in `names`: any name starting so answers them.
    """

    names: tuple[str, ...] = ()
    initials: tuple[str, ...] = ()
    dob: date | None = None
    year: int | None = None
    ages: tuple[int, int] | None = None
    fragment: str | None = None
    postcode_parts: tuple[str, str] | None = None
    postcode: str | None = None
    words: tuple[str, ...] = ()
    phone: str | None = None
    phone_start: str | None = None
    vehicles: tuple[Described, ...] = ()
    near: tuple[str, str] | None = None
    joined: Query | None = None
    surnames: tuple[str, ...] = ()
    in_town: tuple[tuple[str, Query], ...] = ()
    plate_pattern: str | None = None
    references: tuple[str, ...] = ()
    sex: str | None = None
    addressed: bool = False
    prefixed: tuple[str, ...] = ()

    @property
    def is_address(self) -> bool:
        return bool(self.words or self.postcode)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message)


def _take_dob(text: str) -> tuple[str, date | None]:
    for pattern, certain in _DATES:
        for found in pattern.finditer(text):
            month = found["m"]
            if not month.isdigit():
                month = str(_MONTHS.index(month[:3].lower()) + 1)
            year = found["y"]
            written = f"{found['d']}/{month}/{year}"
            try:
                day = DateValue.clean(written, ("%d/%m/%Y" if len(year) == 4 else "%d/%m/%y",))
            except InvalidValue as exc:
                if not certain:
                    continue
                raise _refuse(
                    f"{found[0]!r} is not a date of birth: type day/month/year, not a day "
                    "to come or before 1880"
                ) from exc
            return text.replace(found[0], " "), day
    return text, None


def _take_ages(text: str) -> tuple[str, tuple[int, int] | None]:
    found = _AGE.search(text)
    if not found:
        return text, None
    low = int(found[1])
    high = int(found[2]) if found[2] else low
    if low > high or high > 130:
        raise _refuse("an age range is two ages, youngest first: `aged 30-40`")
    return text.replace(found[0], " "), (low, high)


def _take_trailing_age(text: str) -> tuple[str, tuple[int, int] | None]:
    """An age typed bare after a name of two words or more (`_TRAILING_AGE`; `honda 26` is a
    vehicle), not after a street (`Mill Lane 26`)."""
    found = _TRAILING_AGE.match(text)
    if found is None:
        return text, None
    words = found["name"].replace(",", " ").split()
    if len(words) < 2 or any(word.upper() in STREET_FORMS for word in words):
        return text, None
    age = int(found["age"])
    return found["name"], (age - 1, age + 1)


def _phone(text: str) -> str | None:
    """The number in E.164, typed in any form `Phone` reads or without its leading 0
    (`7700 900123`)."""
    if not _PHONE.match(text):
        return None
    for typed in (text, f"0{text}"):
        try:
            return Phone.clean(typed)
        except InvalidValue:
            continue
    return None


def _phone_start(text: str) -> str | None:
    """The start of a number in E.164 (`Phone.start`), eight digits or more after the 0."""
    try:
        return Phone.start(text, _PHONE_START_DIGITS)
    except InvalidValue:
        return None


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def _names(words: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The name tokens of words (two letters or more) and the initials (one letter); a word
    with a digit in it (a house number, `ST13`) has none."""
    found = [token for word in words if not _has_digit(word) for token in tokens(word)]
    return tuple(t for t in found if len(t) > 1), tuple(t for t in found if len(t) == 1)


# Words naming a dwelling within a building, before its number.
_DWELLINGS = frozenset({"FLAT", "APARTMENT", "APT", "UNIT", "ROOM"})


def _name_before_number(words: list[str]) -> list[str]:
    """The words before an address's house number when they read as a name (`Jack Stevenson
    10 Vernon Road`): two or more, of letters, none a street type or a word placing the
    address (`rear of 32 Linden St`), a street's words after the number; else none. A flat's
    word before its number is the address's (`John Smith flat 2 …`)."""
    first = next((i for i, word in enumerate(words) if _has_digit(word)), 0)
    if first and words[first - 1].upper() in _DWELLINGS:
        first -= 1
    named = words[:first]
    if len(named) < 2 or all(_has_digit(word) for word in words[first + 1 :]):
        return []
    if " ".join(named).lower().startswith(RELATIVE_PREFIXES):
        return []
    keys = [key for word in named for key in tokens(word)]
    if not keys or any(key in STREET_FORMS for key in keys):
        return []
    return named


# A name typed with `*` for whatever follows (`Will*`).
_PREFIXED = re.compile(r"^(?P<stem>[^\W\d_](?:[^\W\d_]|['-])+)\*+$")


def _prefixed(words: list[str]) -> tuple[str, ...]:
    """`Query.prefixed`: the match keys of the words typed with `*` after them; of a
    hyphenated one (`smith-jo*`), its whole (`keys.tokens` puts it last)."""
    found = (_PREFIXED.match(word) for word in words)
    return tuple(tokens(typed["stem"])[-1] for typed in found if typed)


def _titled_sex(segments: list[list[str]]) -> str | None:
    """`Query.sex`: what a title before a name says (`Mrs Smith`, `SMITH, Mr John`)."""
    for segment in segments:
        if len(segment) > 1 and (sex := _TITLE_SEX.get(segment[0].upper().rstrip("."))):
            return sex
    return None


def _name_words(segments: list[list[str]]) -> list[str]:
    """The words of a name typed, as records hold names: without a title (`Mrs Smith` is no
    forename starting M; `SMITH, Mr John`) or a generational suffix (`John Smith Jnr`), which
    records are stored without (`pole.names`), and with a letter typed twice where the
    forename stands read as its initial (`_initial_typed_twice`)."""
    named = [list(strip_affixes(segment)) for segment in segments]
    if len(named) == 1 and len(named[0]) > 1:
        _initial_typed_twice(named[0])  # `Dd Myers`
    elif len(named) == 2 and named[0] and named[1]:
        _initial_typed_twice(named[1])  # `MYERS, Dd`
    return [word for segment in named for word in segment]


def _initial_typed_twice(forenames: list[str]) -> None:
    """The first forename as the initial meant when it is one letter typed twice (`Dd`, `MM.`):
    no forename is one letter doubled, and read as a name it met nobody's but by its sound,
    among every holder of the surname (`_people`'s words one by one: 85 ms at 1M people). Only
    where the forename stands: a surname so spelt stays one (`Aung Oo`)."""
    first = forenames[0].rstrip(".")
    if len(first) == 2 and first.isalpha() and first[0].upper() == first[1].upper():
        forenames[0] = first[0]


def _in_town(query: Query, words: list[str], surnames: set[str]) -> Iterator[tuple[str, Query]]:
    """`Query.in_town`: the readings of `query` with its last words a town, a name left."""
    for count in range(min(_TOWN_WORDS, len(words) - 1), 0, -1):
        names, initials = _names(words[:-count])
        try:
            town = match_key("".join(words[-count:]))
        except InvalidValue:
            continue
        if names:
            yield town, _with_surnames(replace(query, names=names, initials=initials), surnames)


def _with_surnames(query: Query, surnames: set[str]) -> Query:
    """`query` with those of its names that are `surnames` (`Query.surnames`)."""
    return replace(query, surnames=tuple(name for name in query.names if name in surnames))


def _joined(words: list[str]) -> list[str]:
    """Words with each surname prefix joined to the word after it, whether a space or a hyphen
    stood between (`mc donald`, `o-brien`, `van der berg`)."""
    joined: list[str] = []
    prefix = False
    for word in words:
        head, hyphen, rest = word.partition("-")
        if hyphen and head.upper() in _PREFIXES and rest:
            word = head + rest
        if prefix:
            joined[-1] += word
        else:
            joined.append(word)
        prefix = word.upper() in _PREFIXES
    return joined


def parse(text: str) -> Query:
    """Read a search box's text.

    Raises:
        InvalidInput: (422) empty, longer than `MAX_LENGTH`, or nothing searchable in it.
    """
    if len(text) > MAX_LENGTH:
        raise _refuse(f"a search is at most {MAX_LENGTH} characters")
    # NFKC folds full-width and other compatibility forms (`ＳＭＩＴＨ` → `SMITH`).
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise _refuse("type a name, date of birth, postcode, number plate or phone number")
    phone = _phone(text)
    if phone:
        return Query(phone=phone)
    if start := _phone_start(text):
        return Query(phone_start=start)
    try:
        references = tuple(person_references(text))
    except InvalidValue as exc:
        raise _refuse(f"that is {exc}") from None
    if references:
        return Query(references=references)
    pattern = _plate_pattern(text)
    if pattern and _has_digit(pattern):
        return Query(plate_pattern=pattern)  # no name or address has a digit and a `?`
    text, ages = _take_ages(text)
    text, dob = _take_dob(text)
    year = None
    if dob is None and (found := _YEAR.search(text)):
        year = int(found[1])
        text = text.replace(found[0], " ")
    if dob or year:
        text = _BORN.sub(" ", text)
    vehicles = _vehicle_readings(text)
    if ages is None and dob is None and year is None:
        # After the vehicle reading: `land rover 90` is a Defender as well.
        text, ages = _take_trailing_age(text)
    # A plate or a postcode, whole or in part, typed alone (`ab12 c`, `ST16 2DJ`); no plate
    # or postcode has four letters together (`jones ST5` is a name and a district).
    compact = "".join(ch for ch in text if not ch.isspace() and ch not in "-.").upper()
    worded = any(word.isalpha() and len(word) > 3 for word in text.split())
    if _IDENTIFIER.match(compact) and _has_digit(compact) and not worded:
        parts = typed_parts(text)
        query = Query(fragment=compact, postcode_parts=parts, dob=dob, year=year, ages=ages)
        return replace(query, vehicles=vehicles)
    postcode = None
    if found := _FULL_POSTCODE.search(text):
        postcode = compact_postcode(found[0])
        text = text.replace(found[0], " ")
    # A comma or a slash between names (`SMITH, John`, `SMITH/JOHN` as some force systems
    # write them); a slash in a number stays (a flat, `2/1`).
    segments = [
        [
            part
            for word in segment.split()
            for part in ([word] if _has_digit(word) else word.split("/"))
            if part
        ]
        for segment in text.split(",")
    ]
    words = [word for segment in segments for word in segment]
    numbers = tuple(word.upper() for word in words if _has_digit(word))
    names, initials = _names(words)
    if numbers or postcode:
        # A district typed after an address (`10 Duke Lane ST13`) is its postcode, in part.
        district = next((word for word in numbers if typed_parts(word)), None)
        parts = None if postcode or district is None else typed_parts(district)
        numbers = tuple(word for word in numbers if word != district)
        query = Query(
            postcode=postcode,
            postcode_parts=parts,
            words=numbers + names,
            dob=dob,
            year=year,
            ages=ages,
        )
        if names and not numbers and not any(name in STREET_FORMS for name in names):
            # No house number, no street: a name, perhaps, and where its person lives.
            near = (postcode[:-3], postcode[-3:]) if postcode else parts
            names, initials = _names(_name_words(segments))
            sex = _titled_sex(segments)
            query = replace(query, names=names, initials=initials, near=near, sex=sex)
        elif named := _name_before_number(words):
            names, initials = _names(_name_words([named]))
            address, _ = _names(words[len(named) :])
            sex = _titled_sex([named])
            query = replace(
                query,
                words=numbers + address,
                names=names,
                initials=initials,
                sex=sex,
                addressed=bool(names),
            )
    else:
        words, sex = _name_words(segments), _titled_sex(segments)
        names, initials = _names(words)
        query = Query(
            names=names,
            initials=initials,
            dob=dob,
            year=year,
            ages=ages,
            sex=sex,
            prefixed=_prefixed(words),
        )
        joined = _joined(words)
        surnames = {key for word in joined if word not in words for key in tokens(word)}
        # The name before a town read with its prefixes joined: no town is `Mc`.
        query = replace(query, in_town=tuple(_in_town(query, joined, surnames)))
        if joined != words:
            names, initials = _names(joined)
            together = Query(names=names, initials=initials, dob=dob, year=year, ages=ages, sex=sex)
            query = replace(query, joined=_with_surnames(together, surnames))
    if not (query.names or query.words or query.postcode or query.dob or pattern):
        raise _refuse(
            "nothing to search for: type a name, date of birth, postcode, number plate or "
            "phone number (a year or an age range narrows a name)"
        )
    return replace(query, plate_pattern=pattern, vehicles=vehicles)


def _plate_pattern(text: str) -> str | None:
    """`Query.plate_pattern` of text, when it is one: letters, digits and `?` or `*` alone,
    with three known characters together to look up (`pattern_runs`)."""
    compact = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-.")
    compact = re.sub(r"\*+", "*", compact)
    if not _PLATE_PATTERN.match(compact) or not {"?", "*"} & set(compact):
        return None
    return compact if pattern_runs(compact) else None


def _vehicle_readings(text: str) -> tuple[Described, ...]:
    """`Query.vehicles` of text that may describe a vehicle and nothing else: each run of
    words with digits, and words of three letters at most beside them, read as the plate
    (`AN74 TLB`), the other words as the description; and the words with no plate at all.
    Letters typed apart are one word (`cr v` → CRV, as `CR-V` is indexed)."""
    typed = text.replace(",", " ").split()
    words = _apart_joined([_MAKES_SHORT.get(word.upper(), word) for word in typed])
    plated = [
        (word.isalnum() and _has_digit(word)) or (word.isalpha() and len(word) <= _PLATE_LETTERS)
        for word in words
    ]
    if not all(plate or _describing(word) for word, plate in zip(words, plated, strict=True)):
        return ()
    # Beside a street type the numbers are a house's (`10 Duke Lane`), not a model's.
    street = any(word.upper() in STREET_FORMS for word in words)
    readings = [_reading(words, None, street)]
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + _PLATE_WORDS) + 1):
            if not plated[end - 1]:
                break
            plate = "".join(words[start:end]).upper()
            if _has_digit(plate) and len(plate) >= _SHORTEST_WORD and _IDENTIFIER.match(plate):
                readings.append(_reading(words[:start] + words[end:], plate, street))
    return tuple(dict.fromkeys(reading for reading in readings if reading))


def _reading(words: list[str], plate: str | None, street: bool) -> Described | None:
    """One reading of `_vehicle_readings`: words of letters, three or more, beside the plate,
    or two or more alone; shorter ones among them beside a plate, a model's number or two
    such words (`ford ka AB12`, `mercedes a class`: `A-Class` is indexed under A); words
    with digits, a model's, but beside a street type."""
    letters = [word for word in words if not _has_digit(word)]
    numbers = tuple(word.upper() for word in words if _has_digit(word))
    described = [word for word in letters if _describing(word)]
    if not described or (numbers and street):
        return None
    if len(described) < len(letters) and not (plate or numbers or len(described) > 1):
        return None  # `j smith`
    if plate is None and not numbers and len(letters) < 2:
        return None  # a word alone is a name or a place
    return Described((*(key for word in letters for key in tokens(word)), *numbers), plate)


def _describing(word: str) -> bool:
    return word.replace("-", "").isalpha() and len(word) >= _SHORTEST_WORD


def _apart_joined(words: list[str]) -> list[str]:
    """Runs of words of letters, each shorter than a description's, as one word."""
    joined: list[str] = []
    for word in words:
        short = word.isalpha() and len(word) < _SHORTEST_WORD
        if short and joined and joined[-1].isalpha() and len(joined[-1]) < _SHORTEST_WORD:
            joined[-1] += word
        else:
            joined.append(word)
    return joined
