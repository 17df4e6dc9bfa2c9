"""Search queries people type for someone or something in the synthetic county, with the
answer the generator's truth gives: for measuring search recall (tests, `bench/search.py`).

A name query is a true person's name as their records most often hold it, got wrong the way
people get it wrong: a slip of the keyboard, a nickname or short form, surname first, an
initial, half of a double-barrelled surname; some add the date of birth or the year. Plates
and postcodes are typed in any case and spacing, whole or in part.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from polestar.synth.names import short_forms
from polestar.synth.variation import typo

NAME_VARIANTS = ("typo", "nickname", "swapped", "initial", "exact", "barrel")


@dataclass(frozen=True)
class Named:
    """A true person as their records most often name them."""

    true_id: str
    forename: str
    surname: str
    dob: date | None


@dataclass(frozen=True)
class Sought:
    """A query and what it should find: a true identity (`person`, `vehicle`, `location`)."""

    text: str
    kind: str
    variant: str
    true_id: str


def _spaced(rng: random.Random, compact: str) -> str:
    """A plate or postcode as someone types it: any case, a space anywhere or nowhere."""
    text = compact.lower() if rng.random() < 0.5 else compact
    if len(text) > 3 and rng.random() < 0.5:
        cut = rng.randrange(1, len(text))
        text = f"{text[:cut]} {text[cut:]}"
    return text


def name_query(rng: random.Random, person: Named, variant: str) -> str:
    """One way of typing `person`'s name."""
    forename, surname = person.forename, person.surname
    if variant == "typo":
        if rng.random() < 0.5:
            forename = typo(rng, forename)
        else:
            surname = typo(rng, surname)
    elif variant == "nickname":
        forms = short_forms(forename)
        forename = rng.choice(forms) if forms else typo(rng, forename)
    elif variant == "swapped":
        return f"{surname.upper()}, {forename}" if rng.random() < 0.5 else f"{surname} {forename}"
    elif variant == "initial":
        forename = f"{forename[0]}."
    elif variant == "barrel" and "-" in surname:
        parts = surname.split("-")
        surname = rng.choice([rng.choice(parts), " ".join(parts)])
    text = f"{forename} {surname}"
    if person.dob is not None:
        roll = rng.random()
        if roll < 0.35:
            text += f" {person.dob:%d/%m/%Y}"
        elif roll < 0.45:
            text += f" {person.dob.year}"
    return text.lower() if rng.random() < 0.3 else text


def name_queries(people: Sequence[Named], count: int, seed: int) -> list[Sought]:
    """`count` name queries for people drawn with a fixed seed, variants in turn."""
    rng = random.Random(seed)
    chosen = rng.sample(list(people), min(count, len(people)))
    found = []
    for number, person in enumerate(chosen):
        variant = NAME_VARIANTS[number % len(NAME_VARIANTS)]
        found.append(Sought(name_query(rng, person, variant), "person", variant, person.true_id))
    return found


def fragment_queries(
    values: Iterable[tuple[str, str]], kind: str, count: int, seed: int, shortest: int = 5
) -> list[Sought]:
    """Partial plates or postcodes: a run of at least `shortest` characters of each compact
    value (`(true_id, value)` pairs), typed in any case and spacing."""
    rng = random.Random(seed)
    pool = sorted({(true_id, "".join(value.split()).upper()) for true_id, value in values})
    found = []
    for true_id, compact in rng.sample(pool, min(count, len(pool))):
        size = rng.randint(min(shortest, len(compact)), len(compact))
        start = 0 if kind == "location" else rng.randint(0, len(compact) - size)
        found.append(Sought(_spaced(rng, compact[start : start + size]), kind, "fragment", true_id))
    return found


def named_people(
    truth: Iterable[tuple[str, str, str]],
    rows: Iterable[tuple[str, str, str | None, str | None, date | None]],
) -> list[Named]:
    """Each true person as most of their records name them.

    Args:
        truth: `(source, source_key, true_id)` of person records (truth.csv's person rows).
        rows: stored person rows: `(source, source_key, forename, surname, dob)`.
    """
    true_ids = {(source, key): true_id for source, key, true_id in truth}
    names: dict[str, Counter[tuple[str, str]]] = {}
    births: dict[str, Counter[date]] = {}
    for source, key, forename, surname, dob in rows:
        true_id = true_ids.get((source, key))
        if true_id is None or not forename or not surname:
            continue
        names.setdefault(true_id, Counter())[forename, surname] += 1
        if dob is not None:
            births.setdefault(true_id, Counter())[dob] += 1
    found = []
    for true_id, counted in sorted(names.items()):
        (forename, surname), _ = counted.most_common(1)[0]
        dob = births[true_id].most_common(1)[0][0] if true_id in births else None
        found.append(Named(true_id, forename, surname, dob))
    return found
