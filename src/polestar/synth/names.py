"""Frequency-weighted name pools for a modern English county.

Faker's en_GB lists alone hold about 360 first names and 500 surnames, far too few: a county of a
million people would be full of accidental namesakes and linkage would look harder than it is.
We merge several Faker locales' lists (read as plain data, never through Faker's global random
state) into one pool per heritage group, give names Zipf-like weights (by published frequency
where Faker has one, by rank where its list is in popularity order, else by a seeded shuffle),
and mix the groups roughly as a Midlands county's population is mixed.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from nicknames import NickNamer

# Share of households in each heritage group: mostly White British and Irish, with South Asian,
# Eastern European, African and Caribbean, and Southern European communities.
GROUP_SHARES: Mapping[str, float] = {
    "british": 0.83,
    "south_asian": 0.07,
    "eastern_european": 0.05,
    "african_caribbean": 0.03,
    "southern_european": 0.02,
}

# British Pakistani and Bangladeshi surnames, which Faker's en_PK list lacks (its surnames are
# mostly given names); most common first.
_SOUTH_ASIAN_SURNAMES = [
    "Khan",
    "Hussain",
    "Ahmed",
    "Ali",
    "Akhtar",
    "Iqbal",
    "Mahmood",
    "Rashid",
    "Shah",
    "Butt",
    "Malik",
    "Aslam",
    "Javed",
    "Riaz",
    "Mirza",
    "Qureshi",
    "Chaudhry",
    "Raja",
    "Rehman",
    "Nawaz",
    "Hanif",
    "Sadiq",
    "Saleem",
    "Yousaf",
    "Bashir",
    "Rafiq",
    "Ashraf",
    "Anwar",
    "Latif",
    "Majid",
    "Mohammed",
    "Uddin",
    "Miah",
    "Islam",
    "Begum",
    "Patel",
    "Singh",
    "Kaur",
    "Sharma",
    "Gill",
    "Sandhu",
    "Dhillon",
]

# (module, attribute, share) for each group and list; the shares inside one list sum to 1.
_Source = tuple[str, str, float]
_SOURCES: Mapping[str, Mapping[str, tuple[_Source, ...]]] = {
    "british": {
        "male": (("en_GB", "first_names_male", 0.45), ("en_US", "first_names_male", 0.3),
                 ("en_IE", "first_names_male", 0.25)),
        "female": (("en_GB", "first_names_female", 0.45), ("en_US", "first_names_female", 0.3),
                   ("en_IE", "first_names_female", 0.25)),
        "surname": (("en_GB", "last_names", 0.55), ("en_US", "last_names", 0.25),
                    ("en_IE", "last_names", 0.2)),
    },
    "south_asian": {
        "male": (("en_IN", "first_names_male", 1.0),),
        "female": (("en_IN", "first_names_female", 1.0),),
        "surname": (("en_IN", "last_names", 0.5), ("_SOUTH_ASIAN", "", 0.5)),
    },
    "eastern_european": {
        "male": (("pl_PL", "first_names_male", 0.7), ("ro_RO", "first_names_male", 0.3)),
        "female": (("pl_PL", "first_names_female", 0.7), ("ro_RO", "first_names_female", 0.3)),
        "surname": (("pl_PL", "male_last_names", 0.6), ("ro_RO", "last_names", 0.25),
                    ("lt_LT", "last_names", 0.15)),
    },
    "african_caribbean": {
        "male": (("yo_NG", "first_names_male", 0.35), ("ig_NG", "first_names_male", 0.15),
                 ("en_GB", "first_names_male", 0.5)),
        "female": (("yo_NG", "first_names_female", 0.35), ("ig_NG", "first_names_female", 0.15),
                   ("en_GB", "first_names_female", 0.5)),
        "surname": (("yo_NG", "last_names", 0.4), ("ig_NG", "last_names", 0.1),
                    ("en_GB", "last_names", 0.5)),
    },
    "southern_european": {
        "male": (("it_IT", "first_names_male", 0.6), ("pt_PT", "first_names_male", 0.4)),
        "female": (("it_IT", "first_names_female", 0.6), ("pt_PT", "first_names_female", 0.4)),
        "surname": (("it_IT", "last_names", 0.6), ("pt_PT", "last_names", 0.4)),
    },
}  # fmt: skip

# Lists Faker keeps in order of popularity; the others are alphabetical and get a seeded shuffle.
_RANKED = frozenset({("en_GB", "first_names_male"), ("en_GB", "first_names_female")})
# Polish surnames take a feminine ending for women.
_FEMININE_ENDINGS = (("cki", "cka"), ("dzki", "dzka"), ("ski", "ska"))


@dataclass(frozen=True, slots=True)
class Pool:
    """Names with cumulative weights, drawn in O(log n)."""

    names: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> str:
        """Draw one name in proportion to its weight."""
        return rng.choices(self.names, cum_weights=self.cum_weights)[0]

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True, slots=True)
class GroupPools:
    """The first-name and surname pools of one heritage group."""

    male: Pool
    female: Pool
    surname: Pool

    def forename(self, rng: random.Random, gender: str) -> str:
        """Draw a forename for `gender` (`M`, `F`; `X` draws from either)."""
        if gender == "X":
            gender = rng.choice("MF")
        return (self.male if gender == "M" else self.female).draw(rng)


def _raw_names(module: str, attribute: str) -> tuple[Sequence[str], Sequence[float] | None]:
    """Read one Faker list as data: names, and their published frequencies when Faker has them."""
    if module == "_SOUTH_ASIAN":
        return _SOUTH_ASIAN_SURNAMES, None
    provider = importlib.import_module(f"faker.providers.person.{module}").Provider
    value = getattr(provider, attribute)
    if isinstance(value, Mapping):
        return list(value.keys()), list(value.values())
    return list(value), None


def _weights(module: str, attribute: str) -> dict[str, float]:
    """Weights summing to 1 for one list: published, by rank, or Zipf over a seeded shuffle."""
    names, published = _raw_names(module, attribute)
    clean = [name.strip() for name in names if name.strip().isalpha() or "-" in name]
    if published is not None:
        weighted = dict(zip(names, published, strict=True))
        raw = {name: float(weighted[name]) for name in clean}
    else:
        if (module, attribute) not in _RANKED and module != "_SOUTH_ASIAN":
            random.Random(f"names:{module}:{attribute}").shuffle(clean)
        raw = {name: 1.0 / (rank + 3) for rank, name in enumerate(clean)}
    total = sum(raw.values())
    return {name: weight / total for name, weight in raw.items()}


def _pool(sources: Iterable[_Source]) -> Pool:
    merged: dict[str, float] = {}
    for module, attribute, share in sources:
        for name, weight in _weights(module, attribute).items():
            merged[name] = merged.get(name, 0.0) + weight * share
    names = tuple(sorted(merged))
    cum, running = [], 0.0
    for name in names:
        running += merged[name]
        cum.append(running)
    return Pool(names, tuple(cum))


@cache
def group_pools() -> dict[str, GroupPools]:
    """Build every group's pools (once per process; pure data, no random state shared)."""
    return {
        group: GroupPools(_pool(lists["male"]), _pool(lists["female"]), _pool(lists["surname"]))
        for group, lists in _SOURCES.items()
    }


def feminine_surname(surname: str, group: str) -> str:
    """Return the form of `surname` a woman of `group` carries (Kowalski → Kowalska)."""
    if group == "eastern_european":
        for masculine, feminine in _FEMININE_ENDINGS:
            if surname.endswith(masculine):
                return surname[: -len(masculine)] + feminine
    return surname


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def short_forms(forename: str) -> tuple[str, ...]:
    """Nicknames and short forms of a forename, as people give them (William → Bill, Will…).

    Uses the `nicknames` package; a name it does not know gets a clipped form (Priyanka → Priy)
    when it is long enough to clip, else none.
    """
    known = sorted(_nicknamer().nicknames_of(forename))
    forms = [nick.title() for nick in known if nick.lower() != forename.lower()]
    if not forms and len(forename) >= 5:
        forms.append(forename[: max(3, len(forename) // 2)])
    return tuple(forms)


def group_cum_weights() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Groups and cumulative shares, for drawing a household's heritage."""
    groups = tuple(GROUP_SHARES)
    cum, running = [], 0.0
    for group in groups:
        running += GROUP_SHARES[group]
        cum.append(running)
    return groups, tuple(cum)
