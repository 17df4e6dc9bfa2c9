"""How a record gets a true person wrong: typos, nicknames, changed surnames, bad dates, old homes.

Each function takes the record's random stream and the truth, and returns what one source system
wrote. The probabilities below are what the generator uses; docs/synth.md lists them with the
floors that tests measure against truth.csv (each floor is below its probability, so sampling
noise on a small county cannot fail the check).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from polestar.synth.geography import INWARD_LETTERS
from polestar.synth.identities import PeopleBlock, Person
from polestar.synth.names import group_pools, short_forms

FORENAME_TYPO = 0.12
FORENAME_SHORT = 0.13
FORENAME_INITIAL = 0.03
MIDDLE_NAMES_OMITTED = 0.3
NAMES_SWAPPED = 0.015
SURNAME_CHANGED = 0.12
DOB_MISSING = 0.06
IMPOSSIBLE_DATE = 0.012
DAY_MONTH_SWAPPED = 0.07
GENDER_MISSING = 0.03
MOVED = 0.17
POSTCODE_MISSING = 0.06
POSTCODE_MISTYPED = 0.06
POSTCODE_RESTYLED = 0.05
ID_WRONG_PERSON = 0.006
ID_MISTYPED = 0.03
ID_RESTYLED = 0.1
BURNER_PHONE = 0.3

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    char: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    + "".join(other[i] for other in _KEYBOARD_ROWS if other is not row and i < len(other))
    for row in _KEYBOARD_ROWS
    for i, char in enumerate(row)
}

DateParts = tuple[int, int, int]  # year, month, day: possibly an impossible date


@dataclass(frozen=True, slots=True)
class NameView:
    """A person's name as one record holds it (empty strings when not recorded)."""

    forename: str
    middle: str
    surname: str


def typo(rng: random.Random, word: str) -> str:
    """Return `word` with one slip of the keyboard; never `word` itself, nor a prefix of it.

    Prefixes are avoided because a clipped name reads as a short form, not a typo.
    """
    if len(word) < 2:
        return word + word.lower()
    for _ in range(12):
        chars = list(word)
        i = rng.randrange(1, len(word))
        operation = rng.randrange(4)
        if operation == 0 and word[i].lower() in _NEIGHBOURS:
            chars[i] = rng.choice(_NEIGHBOURS[word[i].lower()])
        elif operation == 1 and len(word) > 3:
            del chars[i]
        elif operation == 2:
            chars.insert(i, word[i].lower())
        elif operation == 3 and i < len(word) - 1 and word[i] != word[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        candidate = "".join(chars)
        if candidate.lower() != word.lower() and not word.lower().startswith(candidate.lower()):
            return candidate
    return word + word[-1].lower()


def mistype_reference(rng: random.Random, value: str) -> str:
    """Change one digit of a reference number's serial, or swap two neighbouring ones.

    The serial is its longest run of digits: slips there are what check letters exist to catch.
    """
    runs = [m.span() for m in re.finditer(r"\d+", value)]
    start, end = max(runs, key=lambda span: span[1] - span[0])
    chars = list(value)
    pairs = [i for i in range(start, end - 1) if value[i] != value[i + 1]]
    if pairs and rng.random() < 0.4:
        i = rng.choice(pairs)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        i = rng.randrange(start, end)
        chars[i] = rng.choice([d for d in "0123456789" if d != value[i]])
    return "".join(chars)


def restyle_reference(rng: random.Random, kind: str, value: str) -> str:
    """Write a reference number the way some people type it, without changing what it says."""
    if rng.random() >= ID_RESTYLED:
        return value
    if kind == "pnc_id":  # 2-digit year, serial without leading zeros: 09/123456C
        year, rest = value.split("/")
        return f"{year[2:]}/{rest[:-1].lstrip('0') or '0'}{rest[-1]}"
    if kind == "ni_number":
        return f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"
    return value.lower()


def mistype_postcode(rng: random.Random, postcode: str) -> str:
    """Return a plausible mistyping of a postcode: a wrong letter or digit, or swapped letters."""
    outward, inward = postcode.split(" ")
    for _ in range(10):
        choice = rng.randrange(4)
        if choice == 0:
            inward = inward[0] + rng.choice(INWARD_LETTERS) + inward[2]
        elif choice == 1:
            inward = inward[:2] + rng.choice(INWARD_LETTERS)
        elif choice == 2:
            inward = inward[0] + inward[2] + inward[1]
        else:
            inward = str((int(inward[0]) + rng.choice((1, 9))) % 10) + inward[1:]
        candidate = f"{outward} {inward}"
        if candidate != postcode:
            return candidate
    return f"{outward} {inward[0]}{'A' if inward[1:] != 'AA' else 'BB'}"


def impossible_date(day: date) -> DateParts:
    """A date that cannot exist, near the true one: 31/02, 31/04, 30/02…"""
    if day.month in (4, 6, 9, 11):
        return (day.year, day.month, 31)
    return (day.year, 2, 30 + (day.day % 2))


def iso(parts: DateParts) -> str:
    """yyyy-mm-dd, even for an impossible date."""
    return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"


def dmy(parts: DateParts) -> str:
    """dd/mm/yyyy, even for an impossible date."""
    return f"{parts[2]:02d}/{parts[1]:02d}/{parts[0]:04d}"


def format_phone(rng: random.Random, number: str, style: str) -> str:
    """Write an 11-digit UK number in a source's style: `spaced`, `compact` or `messy` (callers)."""
    if style == "compact":
        return number
    if style == "spaced" or rng.random() < 0.4:
        return f"{number[:5]} {number[5:]}"
    national = number[1:]
    return rng.choice((
        number,
        f"+44 {national[:4]} {national[4:]}",
        f"+44{national}",
        f"0044 {national[:4]} {national[4:]}",
        f"({number[:5]}) {number[5:]}",
        f"{number[:5]}-{number[5:8]}-{number[8:]}",
        f"{number[:5]} {number[5:8]} {number[8:]}",
    ))  # fmt: skip


class Variation:
    """Per-block record variation; holds the block's references so some can land on others."""

    def __init__(self, folk: PeopleBlock) -> None:
        """Collect the block's reference numbers, the pool for wrong-person identifiers."""
        self.references: dict[str, list[str]] = {
            kind: [v for p in folk.people if (v := getattr(p, kind))]
            for kind in ("pnc_id", "cro_number", "ni_number")
        }

    def name(self, rng: random.Random, person: Person) -> NameView:
        """The person's name as a record gives it."""
        forename = person.forename
        roll = rng.random()
        if roll < FORENAME_TYPO:
            forename = typo(rng, forename)
        elif roll < FORENAME_TYPO + FORENAME_SHORT:
            forms = short_forms(forename)
            forename = rng.choice(forms) if forms else forename
        elif roll < FORENAME_TYPO + FORENAME_SHORT + FORENAME_INITIAL:
            forename = forename[0]
        middle = "" if rng.random() < MIDDLE_NAMES_OMITTED else " ".join(person.middle_names)
        surname = self._surname(rng, person)
        if rng.random() < NAMES_SWAPPED:
            forename, surname = surname, forename
        return NameView(forename, middle, surname)

    def _surname(self, rng: random.Random, person: Person) -> str:
        surname = person.surname
        if rng.random() >= SURNAME_CHANGED:
            return surname
        roll = rng.random()
        if roll < 0.3 and person.other_surname:  # the name before marriage
            return person.other_surname
        if roll < 0.5:  # a double-barrelled name gained or halved
            for joiner in ("-", " "):
                if joiner in surname:
                    return rng.choice(surname.split(joiner, 1))
            other = group_pools()[person.group].surname.draw(rng)
            if other != surname:
                return f"{surname}-{other}" if rng.random() < 0.5 else f"{other}-{surname}"
        return typo(rng, surname)

    def dob(self, rng: random.Random, person: Person) -> DateParts | None:
        """The date of birth as recorded: missing, impossible, day and month swapped, or true."""
        roll = rng.random()
        if roll < DOB_MISSING:
            return None
        if roll < DOB_MISSING + IMPOSSIBLE_DATE:
            return impossible_date(person.dob)
        day = person.dob
        if day.day <= 12 and day.day != day.month and rng.random() < DAY_MONTH_SWAPPED:
            return (day.year, day.day, day.month)
        return (day.year, day.month, day.day)

    def gender(self, rng: random.Random, person: Person) -> str:
        """The gender as recorded (`M`, `F`, `X`, or empty)."""
        return "" if rng.random() < GENDER_MISSING else person.gender

    def home(self, rng: random.Random, person: Person) -> int:
        """The address a record gives as home: sometimes the one the person moved from."""
        return person.previous_home if rng.random() < MOVED else person.home

    def postcode(self, rng: random.Random, postcode: str) -> str:
        """The postcode as recorded: missing, mistyped, restyled or true."""
        roll = rng.random()
        if roll < POSTCODE_MISSING:
            return ""
        if roll < POSTCODE_MISSING + POSTCODE_MISTYPED:
            return mistype_postcode(rng, postcode)
        if roll < POSTCODE_MISSING + POSTCODE_MISTYPED + POSTCODE_RESTYLED:
            return postcode.replace(" ", "") if rng.random() < 0.5 else postcode.lower()
        return postcode

    def identifier(self, rng: random.Random, kind: str, person: Person, shown: float) -> str:
        """A reference number of `kind` as recorded; empty unless shown (chance `shown`).

        Args:
            rng: The record's stream.
            kind: `pnc_id`, `cro_number` or `ni_number`.
            person: Whose number it should be.
            shown: The chance the record carries the number at all, when the person has one.
        """
        value: str | None = getattr(person, kind)
        if value is None or rng.random() >= shown:
            return ""
        roll = rng.random()
        if roll < ID_WRONG_PERSON:
            others = [v for v in self.references[kind] if v != value]
            if others:
                return restyle_reference(rng, kind, rng.choice(others))
        elif roll < ID_WRONG_PERSON + ID_MISTYPED:
            return mistype_reference(rng, value)
        return restyle_reference(rng, kind, value)

    def phone(self, rng: random.Random, person: Person, shown: float) -> str | None:
        """The number a record gives for the person (11 digits), or None."""
        if not person.phones or rng.random() >= shown:
            return None
        if len(person.phones) > 1 and rng.random() < BURNER_PHONE:
            return person.phones[1]
        return person.phones[0]
