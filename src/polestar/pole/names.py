"""Normalising people's names: one part at a time, whole names into parts, and keys for matching.

Source systems disagree on case (`SMITH` in custody, `Smith` in probation), on order
(`SMITH, John` against `John Smith`) and on punctuation. Cleaning keeps what a person wrote
where it carries meaning (`McDonald`, `MacDonald`, `O'Brien`, accents) and drops the rest;
`match_key` then throws away everything that should not stop two spellings from matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from polestar.errors import InvalidValue

NameOrder = Literal["forename-first", "surname-first", "auto"]

_APOSTROPHES = str.maketrans(dict.fromkeys("’‘`´ʼʹ′", "'"))
_HYPHENS = str.maketrans(dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"))
_JOINER_SPACING = re.compile(r"\s*([-'])\s*")
_JOINER_RUN = re.compile(r"[-']{2,}")
# Lower-case particles kept as written in a name typed in mixed case (`Ludwig van Beethoven`),
# and joined to the surname when a forename-first name is split.
_PARTICLES = frozenset(
    {"al", "bin", "da", "das", "de", "del", "della", "den", "der", "di", "dos", "du", "el", "ibn",
     "la", "le", "ten", "ter", "van", "von"}
)  # fmt: skip
# Honorifics dropped from the front of a full name; they are not part of anyone's forename.
_TITLES = frozenset(
    {"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "REV", "SIR", "DAME", "LORD", "LADY"}
)
# Generational suffixes dropped from the end (`John Smith Jnr` is John Smith): sources write
# them or leave them out, and a father and son are told apart by their dates of birth.
_SUFFIXES = frozenset({"JR", "JNR", "JUNIOR", "SR", "SNR", "SENIOR", "II", "III", "IV"})
# Letters NFKD leaves whole; folded by hand so `Søren` and `Soren` share a key.
_FOLDS = str.maketrans(
    {"Æ": "AE", "Ø": "O", "Œ": "OE", "Ł": "L", "Đ": "D", "Ð": "D", "Þ": "TH", "Ħ": "H"}
)

# Letter categories a match key keeps: not modifier letters (Lm), which are mostly
# apostrophe-like marks such as `ʼ`.
_KEY_LETTERS = frozenset({"Lu", "Ll", "Lt", "Lo"})


@dataclass(frozen=True)
class ParsedName:
    """A full name split into its parts; each present part is cleaned by `PersonName`."""

    forename: str | None
    middle_names: str | None
    surname: str


def _is_name_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" or ch in "-'" or ch.isspace()


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def _tidy(raw: str) -> str:
    """Fold look-alike punctuation, drop stray punctuation and collapse spacing.

    Raises:
        InvalidValue: If `raw` holds digits, which never belong in a name.
    """
    text = unicodedata.normalize("NFKC", raw).translate(_APOSTROPHES).translate(_HYPHENS)
    if any(ch.isdigit() for ch in text):
        raise InvalidValue(f"{raw!r} contains digits: a name part should hold letters only")
    text = "".join(ch if _is_name_char(ch) else " " for ch in text)
    text = _JOINER_SPACING.sub(r"\1", text)
    text = _JOINER_RUN.sub(lambda run: "-" if "-" in run[0] else "'", text)
    words = (word.strip("-'") for word in text.split())
    return " ".join(word for word in words if _has_letter(word))


def _is_mixed_case(text: str) -> bool:
    return any(ch.isupper() for ch in text) and any(ch.islower() for ch in text)


def _title_segment(segment: str) -> str:
    """Title-case one hyphen-free segment written in a single case: `O'BRIEN` → `O'Brien`.

    After an apostrophe the next letter is capitalised only behind a one-letter prefix
    (`O'`, `D'`), so `NG'ANG'A` becomes `Ng'ang'a`, not `Ng'Ang'A`. `MC` prefixes always take
    a capital (`McDonald`); `MAC` prefixes do not, as `Mack`, `Macey` and `Machin` show.
    """
    pieces = segment.split("'")
    first = pieces[0].capitalize()
    if first.startswith("Mc") and len(first) > 2:
        first = "Mc" + first[2:].capitalize()
    out = [first]
    for previous, piece in pairwise(pieces):
        out.append(piece.capitalize() if len(previous) == 1 else piece.lower())
    return "'".join(out)


def _case_word(word: str, *, keep_particles: bool) -> str:
    """Case one space-separated word, keeping each hyphenated segment written in mixed case."""
    if keep_particles and word in _PARTICLES:
        return word
    return "-".join(
        segment if _is_mixed_case(segment) else _title_segment(segment)
        for segment in word.split("-")
    )


class PersonName:
    """One part of a person's name: a forename, a middle name or a surname."""

    @classmethod
    def clean(cls, raw: str) -> str:
        """Return the name part in title case, keeping deliberate mixed case as written.

        `SMITH` → `Smith`, `o'brien` → `O'Brien`, `smith - jones` → `Smith-Jones`;
        `MacDonald` and `van` in `Ludwig van Beethoven` stay as written.

        Raises:
            InvalidValue: If `raw` has no letters or holds digits.
        """
        text = _tidy(raw)
        if not _has_letter(text):
            raise InvalidValue(f"{raw!r} is not a name: it has no letters")
        keep_particles = _is_mixed_case(text)
        cased = " ".join(_case_word(word, keep_particles=keep_particles) for word in text.split())
        return unicodedata.normalize("NFKC", cased)


def split_forenames(raw: str) -> tuple[str, str | None]:
    """Split forenames into the first forename and the middle names, as records store them.

    Returns:
        The first forename and the rest joined by spaces, or None when there is no rest.

    Raises:
        InvalidValue: If `raw` has no letters or holds digits.
    """
    first, _, rest = PersonName.clean(raw).partition(" ")
    return first, rest or None


def strip_affixes(words: list[str], *, keep: int = 1) -> list[str]:
    """`words` without titles in front or generational suffixes behind, keeping `keep`: names
    are stored without them, and searched for without them (`search.query`)."""
    while len(words) > 1 and words[0].upper().rstrip(".") in _TITLES:
        words = words[1:]
    while len(words) > keep and words[-1].upper().rstrip(".") in _SUFFIXES:
        words = words[:-1]
    return words


def _looks_surname_first(words: list[str]) -> bool:
    """Whether a comma-free name follows the records convention `SMITH John` (surname in caps)."""
    first = words[0]
    return (
        len(words) > 1
        and sum(ch.isalpha() for ch in first) > 1
        and first.isupper()
        and not all(word.isupper() for word in words[1:])
    )


def _surname_start(words: list[str]) -> int:
    """Index where the surname of a forename-first name starts, taking particles with it."""
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return start


def parse_full(raw: str, order: NameOrder = "auto") -> ParsedName:
    """Split a full name written in one field into forename, middle names and surname.

    Args:
        raw: The whole name, such as `SMITH, John Paul`, `John Paul Smith` or `J. Smith`.
        order: How the source writes names. `auto` reads a comma as `surname, forenames`,
            and a leading word in capitals before mixed-case words as the surname
            (`SMITH John`); otherwise it assumes forename first.

    Returns:
        The cleaned parts; a single word is taken as the surname alone.

    Raises:
        InvalidValue: If `raw` has no letters or holds digits.
    """
    if order != "forename-first" and "," in raw:
        surname_text, _, forename_text = raw.partition(",")
        if not _has_letter(_tidy(surname_text)):
            return parse_full(forename_text, order)
        if all(word.upper().rstrip(".") in _SUFFIXES for word in forename_text.split()):
            return parse_full(surname_text, order)  # `John Smith, Jr.`
        surname = PersonName.clean(surname_text)
        words = strip_affixes(forename_text.replace(",", " ").split())
        if not _has_letter(_tidy(" ".join(words))):
            return ParsedName(None, None, surname)
        forename, middle = split_forenames(" ".join(words))
        return ParsedName(forename, middle, surname)

    words = strip_affixes(_tidy(raw.replace(",", " ")).split(), keep=2)
    if not words:
        raise InvalidValue(f"{raw!r} is not a name: it has no letters")
    if len(words) == 1:
        return ParsedName(None, None, PersonName.clean(words[0]))
    if order == "surname-first" or (order == "auto" and _looks_surname_first(words)):
        forename, middle = split_forenames(" ".join(words[1:]))
        return ParsedName(forename, middle, PersonName.clean(words[0]))
    start = _surname_start(words)
    forename, middle = split_forenames(" ".join(words[:start]))
    return ParsedName(forename, middle, PersonName.clean(" ".join(words[start:])))


def match_key(part: str) -> str:
    """Return a key under which spellings of one name part match: `O'Brien` → `OBRIEN`.

    Accents are folded (`Zoë` → `ZOE`) and spaces, hyphens and apostrophes dropped, so
    `Smith-Jones`, `Smith Jones` and `SMITHJONES` share a key. Letters with no ASCII
    equivalent (Cyrillic, Arabic…) are kept upper-cased rather than dropped, so that two
    different names never collapse to the same empty key.

    Raises:
        InvalidValue: If `part` has no letters.
    """
    # casefold first: some letters change length between cases (ẞ → ß → SS).
    folded = unicodedata.normalize("NFKD", part.casefold().upper().translate(_FOLDS))
    key = "".join(ch for ch in folded if unicodedata.category(ch) in _KEY_LETTERS).upper()
    if not key:
        raise InvalidValue(f"{part!r} cannot be matched: it has no letters")
    return key


def full_name(values: Mapping[str, Any]) -> str | None:
    """A person row's name parts (or an alias's) as one name to show, forename first."""
    parts = [values.get(name) for name in ("forename", "middle_names", "surname")]
    return " ".join(part for part in parts if part) or None
