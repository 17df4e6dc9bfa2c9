"""Who plays each part in a block's records: offenders, members of the public, occupiers.

Parts are drawn in proportion to each person's activity (a Zipf-like weight from identities),
which gives the long tail of prolific offenders and frequent callers. A share of draws instead
takes the next person nobody has cast yet, so most people appear at least once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from polestar.synth.identities import PeopleBlock, Person, Vehicle


class Sampler:
    """Draws people for one kind of part: weighted, with a share of first appearances."""

    def __init__(
        self,
        rng: random.Random,
        people: Sequence[Person],
        weight: Callable[[Person], float],
        first_share: float,
    ) -> None:
        """Prepare a sampler.

        Args:
            rng: The stream draws come from.
            people: Who may play the part (must not be empty).
            weight: A person's share of the weighted draws.
            first_share: The share of draws that take someone not yet drawn, while any remain.
        """
        self.rng = rng
        self.people = list(people)
        weights = [weight(person) for person in self.people]
        if sum(weights) <= 0:  # a tiny block with nobody suited: everyone equally likely
            weights = [1.0] * len(weights)
        running, cum = 0.0, []
        for share in weights:
            running += share
            cum.append(running)
        self.cum = cum
        self.unseen = self.people[:]
        rng.shuffle(self.unseen)
        self.first_share = first_share

    def pick(self) -> Person:
        """Draw one person."""
        if self.unseen and self.rng.random() < self.first_share:
            return self.unseen.pop()
        return self.rng.choices(self.people, cum_weights=self.cum)[0]

    def pick_other(self, taken: set[int]) -> Person | None:
        """Draw someone whose index is not in `taken`, or None after a few tries."""
        for _ in range(6):
            person = self.pick()
            if person.index not in taken:
                return person
        return None


class Casting:
    """The block's samplers, shared by every export so first appearances spread across them."""

    def __init__(self, rng: random.Random, folk: PeopleBlock) -> None:
        """Build samplers over `folk`.

        Args:
            rng: The block's casting stream.
            folk: The block's true people.
        """
        self.folk = folk
        people = folk.people
        offenders = [p for p in people if p.offender] or people[:1]
        public = [p for p in people if p.age() >= 8] or people[:1]
        adults = [p for p in people if p.age() >= 18] or people[:1]
        self.offenders = Sampler(rng, offenders, lambda p: p.offending, 0.3)
        self.public = Sampler(rng, public, lambda p: p.calling, 0.6)
        self.adults = Sampler(rng, adults, lambda p: p.calling, 0.5)
        self.missing = [p for p in people if p.missing]
        self._vehicles: dict[int, list[Vehicle]] = {}
        for vehicle in folk.vehicles:
            for user in vehicle.users:
                self._vehicles.setdefault(user, []).append(vehicle)

    def vehicles_of(self, person: Person) -> list[Vehicle]:
        """The vehicles `person` keeps or drives (their household's, their gang's)."""
        return self._vehicles.get(person.index - self.folk.people[0].index, [])

    def gang_mate(self, rng: random.Random, person: Person) -> Person | None:
        """Someone who offends with `person`, if they belong to a gang."""
        if person.gang < 0:
            return None
        mates = [m for m in self.folk.gangs[person.gang] if self.folk.people[m] is not person]
        return self.folk.people[rng.choice(mates)] if mates else None

    def housemates(self, person: Person) -> list[Person]:
        """The other people at `person`'s home."""
        members = self.folk.households[person.household].members
        return [self.folk.people[m] for m in members if self.folk.people[m] is not person]
