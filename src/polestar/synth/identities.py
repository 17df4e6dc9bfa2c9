"""The true people, households and vehicles behind every record: the generator's ground truth.

One block of people is built at a time, from its own random stream, as households: single
adults, couples, families (with some twins) and house-sharers, each at one address with a
previous address they moved from. On top of that come offending and contact with services,
reference numbers, warning markers, shared phones and vehicles, and a few strangers who share
a name and a date of birth by chance. `county_people` rebuilds any block exactly, which is how
tests compare the exports with the truth.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from polestar.synth import plan, references
from polestar.synth.catalogue import COLOURS, VEHICLES
from polestar.synth.names import feminine_surname, group_cum_weights, group_pools
from polestar.synth.timeline import AS_OF, age_on, random_date

_CARE_MARKERS = ("IM", "MH", "SH", "SU", "CO")
_OFFENDER_MARKERS = ("VI", "WE", "DR", "FI", "ES", "SH", "SU", "MH", "AG", "EX", "CO", "IM")
_OFFENDER_MARKER_WEIGHTS = (30, 15, 25, 3, 3, 5, 4, 8, 4, 1, 1, 1)


@dataclass(slots=True)
class Person:
    """A true identity. Record views of it vary; this does not."""

    index: int
    household: int
    gender: str
    forename: str
    middle_names: tuple[str, ...]
    surname: str
    dob: date
    group: str
    home: int
    previous_home: int
    other_surname: str | None = None
    phones: tuple[str, ...] = ()
    pnc_id: str | None = None
    cro_number: str | None = None
    ni_number: str | None = None
    crn: str | None = None
    markers: tuple[tuple[str, date], ...] = ()
    offender: bool = False
    gang: int = -1
    wanted: bool = False
    missing: bool = False
    # How often this person meets the police as an offender, and as a member of the public.
    offending: float = 0.0
    calling: float = 1.0

    @property
    def true_id(self) -> str:
        """The identity written to truth.csv (`P0000123`)."""
        return f"P{self.index:07d}"

    def age(self, day: date = AS_OF) -> int:
        """Age in whole years on `day`."""
        return age_on(self.dob, day)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A true vehicle: its registration, description, keeper and the people who drive it."""

    index: int
    vrm: str
    make: str
    model: str
    colour: str
    keeper: int  # position in the block's people
    users: tuple[int, ...]

    @property
    def true_id(self) -> str:
        """The identity written to truth.csv (`V0000045`)."""
        return f"V{self.index:07d}"


@dataclass(slots=True)
class Household:
    """People at one address, who moved there from another on `moved_on`."""

    home: int
    previous_home: int
    moved_on: date
    members: list[int] = field(default_factory=list)
    vehicles: list[int] = field(default_factory=list)


@dataclass(slots=True)
class PeopleBlock:
    """Everything true about one block: people, households, vehicles, spare addresses."""

    block: int
    people: list[Person]
    households: list[Household]
    vehicles: list[Vehicle]
    spare_addresses: list[int]
    gangs: list[list[int]]


def _dob(rng: random.Random, age: int) -> date:
    """A date of birth for someone `age` years old on AS_OF."""
    return AS_OF - timedelta(days=age * 365 + rng.randrange(365) + age // 4)


class _Builder:
    """Builds one block; methods share the block's random stream and running positions."""

    def __init__(self, seed: int, people: int, block: int) -> None:
        self.rng = random.Random(f"{seed}:people:{block}")
        self.block = block
        self.size = plan.block_size(people, block)
        self.pools = group_pools()
        self.groups, self.group_cum = group_cum_weights()
        first = block * plan.ADDRESSES_PER_BLOCK
        self.addresses = list(range(first, first + plan.ADDRESSES_PER_BLOCK))
        self.rng.shuffle(self.addresses)
        self.people: list[Person] = []
        self.households: list[Household] = []
        self.vehicles: list[Vehicle] = []
        self.phones_made = 0

    # ---- households -------------------------------------------------------------------
    def build(self) -> PeopleBlock:
        while len(self.people) < self.size:
            self._household()
        del self.people[self.size :]
        for household in self.households:
            household.members = [m for m in household.members if m < self.size]
        self._namesakes()
        gangs = self._offending()
        self._phones(gangs)
        self._vehicles(gangs)
        return PeopleBlock(
            self.block, self.people, self.households, self.vehicles, self.addresses, gangs
        )

    def _household(self) -> None:
        rng = self.rng
        home = self.addresses.pop()
        # Households average 2.4 people, so addresses never run out in practice; if they did,
        # the household would simply not have moved.
        previous = self.addresses.pop() if self.addresses else home
        moved_on = random_date(rng, AS_OF - timedelta(days=6 * 365), AS_OF - timedelta(days=30))
        household = Household(home, previous, moved_on)
        self.households.append(household)
        group = self._group()
        kind = rng.random()
        if kind < 0.30:
            self._adult(household, group, rng.choice("MMF"), rng.randint(18, 90))
        elif kind < 0.57:
            self._couple(household, group, rng.randint(20, 85))
        elif kind < 0.90:
            self._family(household, group)
        else:
            for _ in range(rng.randint(2, 4)):
                self._adult(household, self._group(), rng.choice("MF"), rng.randint(18, 35))

    def _group(self) -> str:
        return self.rng.choices(self.groups, cum_weights=self.group_cum)[0]

    def _surname(self, group: str) -> str:
        rng = self.rng
        surname = self.pools[group].surname.draw(rng)
        if rng.random() < 0.02:  # some true surnames are double-barrelled
            joiner = " " if rng.random() < 0.15 else "-"
            surname = f"{surname}{joiner}{self.pools[group].surname.draw(rng)}"
        return surname

    def _person(
        self, household: Household, group: str, gender: str, age: int, surname: str
    ) -> Person:
        rng = self.rng
        if gender != "X" and age >= 18 and rng.random() < 0.003:
            gender = "X"
        pools = self.pools[group]
        middles = tuple(pools.forename(rng, gender) for _ in range(rng.choice((0, 0, 1, 1, 1, 2))))
        person = Person(
            index=self.block * plan.BLOCK_PEOPLE + len(self.people),
            household=len(self.households) - 1,
            gender=gender,
            forename=pools.forename(rng, gender),
            middle_names=middles,
            surname=feminine_surname(surname, group) if gender == "F" else surname,
            dob=_dob(rng, age),
            group=group,
            home=household.home,
            previous_home=household.previous_home,
        )
        household.members.append(len(self.people))
        self.people.append(person)
        return person

    def _adult(self, household: Household, group: str, gender: str, age: int) -> Person:
        return self._person(household, group, gender, age, self._surname(group))

    def _couple(self, household: Household, group: str, age: int) -> tuple[Person, Person]:
        rng = self.rng
        first = self._adult(household, group, "M", age)
        partner_group = group if rng.random() < 0.92 else self._group()
        gender = "F" if rng.random() < 0.95 else "M"
        partner_age = max(18, age + rng.randint(-6, 6))
        maiden = self._surname(partner_group)
        choice = rng.random()
        if choice < 0.75:  # took the partner's name; the old one lingers in records
            partner = self._person(household, partner_group, gender, partner_age, first.surname)
            partner.other_surname = feminine_surname(maiden, partner_group)
        elif choice < 0.85:
            partner = self._person(
                household, partner_group, gender, partner_age, f"{maiden}-{first.surname}"
            )
            partner.other_surname = maiden
        else:
            partner = self._person(household, partner_group, gender, partner_age, maiden)
        return first, partner

    def _family(self, household: Household, group: str) -> None:
        rng = self.rng
        parent_age = rng.randint(24, 55)
        if rng.random() < 0.3:
            parent = self._adult(household, group, rng.choice("FFFM"), parent_age)
            surname = parent.surname
        else:
            surname = self._couple(household, group, parent_age)[0].surname
        for _ in range(rng.choices((1, 2, 3, 4), (35, 40, 18, 7))[0]):
            age = rng.randint(0, min(17, parent_age - 18))
            child = self._person(household, group, rng.choice("MF"), age, surname)
            if rng.random() < 0.05:  # twins: same surname, birthday and home; another forename
                twin = self._person(household, group, rng.choice("MF"), age, surname)
                twin.dob = child.dob
                while twin.forename == child.forename:
                    twin.forename = self.pools[group].forename(rng, twin.gender)

    def _namesakes(self) -> None:
        """Make a few strangers share a name and date of birth with someone else in the block."""
        rng = self.rng
        singles = [h.members[0] for h in self.households if len(h.members) == 1]
        adults = [i for i, p in enumerate(self.people) if p.age() >= 18]
        if len(singles) < 2 or len(adults) < 2:
            return
        for _ in range(max(1, round(self.size * 0.004))):
            copy, model = self.people[rng.choice(singles)], self.people[rng.choice(adults)]
            if copy.household == model.household:
                continue
            copy.forename, copy.surname, copy.dob = model.forename, model.surname, model.dob
            copy.gender, copy.group = model.gender, model.group

    # ---- offending and contact ----------------------------------------------------------
    def _offending(self) -> list[list[int]]:
        rng = self.rng
        offenders = []
        for position, person in enumerate(self.people):
            age = person.age()
            if 15 <= age <= 45:
                chance = 0.40 if person.gender == "M" else 0.15
            elif 12 <= age <= 65:
                chance = 0.10 if person.gender == "M" else 0.04
            else:
                chance = 0.0
            person.offender = rng.random() < chance
            if person.offender:
                offenders.append(position)
        # Zipf-like activity over a random ranking: a few prolific offenders, many occasional.
        rng.shuffle(offenders)
        for rank, position in enumerate(offenders):
            self.people[position].offending = 1.0 / (rank + 1)
        ranking = list(range(len(self.people)))
        rng.shuffle(ranking)
        for rank, position in enumerate(ranking):
            self.people[position].calling = 1.0 / (rank + 1) ** 0.5
        gangs = self._gangs(offenders)
        supervised = sorted(offenders, key=lambda p: -self.people[p].offending)
        for position in supervised[: round(plan.RECORDS_PER_PERSON["probation"] * self.size)]:
            self.people[position].crn = references.probation_crn(self.people[position].index)
        for person in self.people:
            self._references(person)
            self._markers(person)
        return gangs

    def _gangs(self, offenders: list[int]) -> list[list[int]]:
        rng = self.rng
        grouped = [p for p in offenders if rng.random() < 0.6]
        gangs: list[list[int]] = []
        while len(grouped) >= 2:
            gang = [grouped.pop() for _ in range(min(len(grouped), rng.randint(2, 5)))]
            for position in gang:
                self.people[position].gang = len(gangs)
            gangs.append(gang)
        return gangs

    def _references(self, person: Person) -> None:
        rng = self.rng
        age = person.age()
        if age >= 16:
            person.ni_number = references.ni_number(person.index)
        if person.offender or (age >= 18 and rng.random() < 0.08):
            year = rng.randint(min(AS_OF.year - 1, max(1995, person.dob.year + 12)), AS_OF.year - 1)
            person.pnc_id = references.pnc_id(person.index, year)
            if rng.random() < 0.55:
                person.cro_number = references.cro_number(person.index, year)
        if person.offender:
            person.wanted = rng.random() < 0.03
        person.missing = rng.random() < (0.04 if 12 <= age < 18 else 0.005)

    def _markers(self, person: Person) -> None:
        rng = self.rng
        earliest = max(person.dob + timedelta(days=14 * 365), AS_OF - timedelta(days=15 * 365))
        codes: list[str] = []
        if person.offender and rng.random() < 0.35:
            codes = rng.choices(_OFFENDER_MARKERS, _OFFENDER_MARKER_WEIGHTS, k=rng.randint(1, 3))
        elif (person.age() >= 75 and rng.random() < 0.3) or rng.random() < 0.02:
            codes = [rng.choice(_CARE_MARKERS)]
        person.markers = tuple(
            (code, random_date(rng, earliest, AS_OF - timedelta(days=1)))
            for code in dict.fromkeys(codes)
        )

    def _phone(self) -> str:
        self.phones_made += 1
        return references.mobile(self.block * plan.PHONES_PER_BLOCK + self.phones_made - 1)

    def _phones(self, gangs: list[list[int]]) -> None:
        """Everyone from 11 has a mobile; some couples share one, some gangs share a burner."""
        rng = self.rng
        for household in self.households:
            shared = self._phone() if rng.random() < 0.06 else None
            for position in household.members:
                person = self.people[position]
                if person.age() >= 11:
                    own = shared if shared and person.age() >= 18 else self._phone()
                    person.phones = (own,)
        for gang in gangs:
            if rng.random() < 0.3:
                burner = self._phone()
                for position in gang:
                    self.people[position].phones += (burner,)

    def _vehicles(self, gangs: list[list[int]]) -> None:
        """Households keep cars their adults all drive; some gangs share one between homes."""
        rng = self.rng
        for household in self.households:
            drivers = tuple(m for m in household.members if self.people[m].age() >= 17)
            if drivers:
                for _ in range(rng.choices((0, 1, 2), (25, 45, 30))[0]):
                    household.vehicles.append(self._vehicle(drivers))
        for gang in gangs:
            if rng.random() < 0.3:
                vehicle = self._vehicle(tuple(gang))
                self.households[self.people[gang[0]].household].vehicles.append(vehicle)

    def _vehicle(self, drivers: tuple[int, ...]) -> int:
        rng = self.rng
        index = self.block * plan.VEHICLES_PER_BLOCK + len(self.vehicles)
        make, models = rng.choice(VEHICLES)
        vehicle = Vehicle(
            index, references.vrm(index), make, rng.choice(models), rng.choice(COLOURS),
            keeper=rng.choice(drivers), users=drivers,
        )  # fmt: skip
        self.vehicles.append(vehicle)
        return len(self.vehicles) - 1


def build_block(seed: int, people: int, block: int) -> PeopleBlock:
    """Build block `block` of a county of `people` true identities.

    Args:
        seed: The county's seed.
        people: The county's number of true identities.
        block: Which block, 0 .. plan.block_count(people) - 1.

    Returns:
        The block's people (positions are `index - block * BLOCK_PEOPLE`), households,
        vehicles, offender gangs and the addresses no household lives at.
    """
    return _Builder(seed, people, block).build()


def county_people(seed: int, people: int) -> Iterator[PeopleBlock]:
    """Rebuild every block of a county, in order: the generator's knowledge, for checking it."""
    for block in range(plan.block_count(people)):
        yield build_block(seed, people, block)
