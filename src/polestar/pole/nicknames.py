"""Nicknames and short forms: which formal forenames a given forename may stand for.

Built from the curated English sets of the `nicknames` package. Keys are match keys
(`names.match_key`): upper case, letters only.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from nicknames import name_triplets

from polestar.pole.names import match_key


@lru_cache(maxsize=1)
def formal_forms() -> dict[str, frozenset[str]]:
    """Each known forename's formal forms: `BILL` → {WILLIAM, …}; a formal name → itself."""
    forms: dict[str, set[str]] = {}
    for triplet in name_triplets():
        formal, nickname = match_key(triplet.name1), match_key(triplet.name2)
        if formal and nickname:
            forms.setdefault(nickname, set()).add(formal)
            forms.setdefault(formal, set()).add(formal)
    return {name: frozenset(values) for name, values in forms.items()}


def name_form_pairs() -> Iterator[tuple[str, str]]:
    """(forename key, formal form key) rows, for joining in SQL."""
    for name, forms in sorted(formal_forms().items()):
        for form in sorted(forms):
            yield name, form
