"""The county's places: towns, postcode districts, streets, addresses and their coordinates.

A Staffordshire-like county (REFERENCE.md): real town centres and postcode districts, synthetic
street names, house numbers and postcode units. Every address is a pure function of its index,
so any worker process can rebuild it from the seed without the county ever being held in memory.
Coordinates are worked in British National Grid metres and converted to WGS84 by pole.grid, so
latitude/longitude and easting/northing always agree.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cached_property

from polestar.pole.grid import bng_to_wgs84, wgs84_to_bng

# Latitude and longitude bounds of the county (REFERENCE.md).
BBOX = (52.42, -2.47, 53.23, -1.59)  # south, west, north, east


def in_bbox(lat: float, lon: float, margin: float = 0.0) -> bool:
    """Whether a point lies inside the county's bounding box, `margin` degrees inside its edge."""
    south, west, north, east = BBOX
    return south + margin <= lat <= north - margin and west + margin <= lon <= east - margin


@dataclass(frozen=True, slots=True)
class Town:
    """A town: its real centre, a population weight, a spread in metres, its postcode districts."""

    name: str
    lat: float
    lon: float
    weight: float
    radius_m: float
    districts: tuple[str, ...]


TOWNS: tuple[Town, ...] = (
    Town("Stoke-on-Trent", 53.0027, -2.1794, 26.0, 6000, ("ST1", "ST2", "ST3", "ST4", "ST6")),
    Town("Newcastle-under-Lyme", 53.0109, -2.2278, 7.5, 3000, ("ST5",)),
    Town("Stafford", 52.8060, -2.1170, 7.0, 3500, ("ST16", "ST17", "ST18")),
    Town("Burton upon Trent", 52.8019, -1.6370, 7.5, 2500, ("DE13", "DE14", "DE15")),
    Town("Tamworth", 52.6339, -1.6951, 7.7, 3500, ("B77", "B78", "B79")),
    Town("Lichfield", 52.6816, -1.8268, 3.3, 2500, ("WS13", "WS14")),
    Town("Cannock", 52.6909, -2.0300, 5.0, 3000, ("WS11", "WS12")),
    Town("Leek", 53.1046, -2.0237, 2.0, 1800, ("ST13",)),
    Town("Stone", 52.9033, -2.1467, 1.6, 1500, ("ST15",)),
    Town("Uttoxeter", 52.8982, -1.8652, 1.4, 1500, ("ST14",)),
    Town("Rugeley", 52.7599, -1.9368, 2.3, 1700, ("WS15",)),
    Town("Biddulph", 53.1180, -2.1749, 2.0, 1700, ("ST8",)),
    Town("Kidsgrove", 53.0867, -2.2378, 2.5, 1700, ("ST7",)),
    Town("Cheadle", 52.9856, -1.9889, 1.2, 1400, ("ST10",)),
    Town("Codsall", 52.6287, -2.1927, 1.0, 1400, ("WV8",)),
)

_STREET_WORDS = [
    "Mill",
    "Church",
    "Park",
    "Station",
    "Oak",
    "Ash",
    "Elm",
    "Beech",
    "Willow",
    "Birch",
    "Chestnut",
    "Holly",
    "Hawthorn",
    "Maple",
    "Cedar",
    "Rowan",
    "Linden",
    "Poplar",
    "Sycamore",
    "Laurel",
    "Meadow",
    "Brook",
    "River",
    "Bridge",
    "Canal",
    "Wharf",
    "Market",
    "High",
    "Castle",
    "Abbey",
    "Priory",
    "Chapel",
    "School",
    "Forge",
    "Smithy",
    "Kiln",
    "Pottery",
    "Colliery",
    "Furnace",
    "Trent",
    "Dove",
    "Sow",
    "Churnet",
    "Manifold",
    "Tame",
    "Blithe",
    "Penk",
    "Moorland",
    "Heath",
    "Moss",
    "Green",
    "Hill",
    "Valley",
    "Orchard",
    "Garden",
    "Grange",
    "Manor",
    "Hall",
    "Lodge",
    "Farm",
    "Cross",
    "Windmill",
    "Spring",
    "Well",
    "Victoria",
    "Albert",
    "Queen",
    "King",
    "Princess",
    "Prince",
    "Duke",
    "York",
    "Windsor",
    "Tudor",
    "Wedgwood",
    "Spode",
    "Minton",
    "Doulton",
    "Brindley",
    "Telford",
    "Stanley",
    "Talbot",
    "Anson",
    "Chetwynd",
    "Wolseley",
    "Bagot",
    "Sneyd",
    "Sutherland",
    "Hatherton",
    "Littleton",
    "Paget",
    "Vernon",
    "Harcourt",
    "Milton",
    "Shelley",
    "Byron",
    "Keats",
    "Tennyson",
    "Chaucer",
    "Beacon",
    "Lark",
    "Swallow",
    "Kestrel",
    "Heron",
    "Kingfisher",
    "Wren",
    "Robin",
    "Falcon",
    "Bluebell",
    "Primrose",
    "Foxglove",
    "Heather",
    "Clover",
    "Lavender",
    "Fern",
    "Bracken",
    "Thistle",
    "Sandy",
    "Gravel",
    "Clay",
    "Coal",
    "Iron",
    "Salt",
    "Barley",
    "Oat",
    "Dairy",
    "Newport",
    "Weston",
    "Aston",
    "Milford",
    "Brocton",
    "Hixon",
    "Barlaston",
    "Trentham",
    "Meir",
    "Longton",
    "Fenton",
    "Burslem",
    "Tunstall",
    "Etruria",
    "Shelton",
    "Penkhull",
    "Hartshill",
    "Basford",
    "Chell",
    "Bucknall",
    "Baddeley",
    "Norton",
    "Hanford",
    "Blurton",
    "Dresden",
    "Goldenhill",
    "Packmoor",
    "Rudyard",
    "Alton",
    "Denstone",
    "Rocester",
    "Bromley",
    "Yoxall",
    "Barton",
    "Alrewas",
    "Whittington",
    "Shenstone",
    "Hednesford",
    "Brereton",
    "Armitage",
    "Colwich",
    "Gnosall",
    "Eccleshall",
    "Penkridge",
    "Brewood",
]
_STREET_SUFFIXES = (
    ("Road", 20), ("Street", 15), ("Lane", 12), ("Close", 10), ("Avenue", 8), ("Drive", 8),
    ("Way", 5), ("Crescent", 4), ("Grove", 4), ("Place", 3), ("Gardens", 3), ("Court", 3),
    ("Terrace", 3), ("Walk", 2), ("View", 2), ("Rise", 2), ("Mews", 1), ("Square", 1), ("Row", 1),
)  # fmt: skip
# Used only once a town has run out of plain names.
_STREET_QUALIFIERS = ("Upper ", "Lower ", "Old ", "New ", "Little ", "Great ")
# Postcode inward letters never include C, I, K, M, O or V (Royal Mail).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Addresses per street on average, and houses per postcode unit.
_ADDRESSES_PER_STREET = 36
_HOUSES_PER_UNIT = 14
_UPRN_BASE = 100_030_000_000


@dataclass(frozen=True, slots=True)
class Street:
    """A straight street: its name, town, postcode district, ends (BNG) and postcode units."""

    index: int
    name: str
    town: Town
    district: str
    ends: tuple[float, float, float, float]  # e0, n0, e1, n1
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Address:
    """One dwelling or premises, the truth behind every location record."""

    index: int
    number: int
    street: Street
    postcode: str
    easting: int
    northing: int

    @property
    def true_id(self) -> str:
        """The generator's own identity for this place, as written to truth.csv."""
        return location_true_id(self.index)

    @property
    def line(self) -> str:
        """The first address line, e.g. `12 Mill Lane`."""
        return f"{self.number} {self.street.name}"

    @property
    def town(self) -> str:
        """The post town."""
        return self.street.town.name

    @property
    def uprn(self) -> str:
        """The Unique Property Reference Number (12 digits)."""
        return str(_UPRN_BASE + self.index)


def location_true_id(index: int) -> str:
    """The truth id of address `index` (`L0000678`)."""
    return f"L{index:07d}"


def _coprime_multiplier(total: int) -> int:
    """A multiplier that makes `a * m + c mod total` a permutation of the addresses."""
    for candidate in (7919, 7927, 7933, 7937, 7949, 7951):
        if math.gcd(candidate, total) == 1:
            return candidate
    raise AssertionError("unreachable: the candidates are distinct primes")


class Geography:
    """The county's streets and addresses, rebuilt identically from (seed, address count)."""

    def __init__(self, seed: int, address_count: int) -> None:
        """Lay out streets for `address_count` addresses.

        Args:
            seed: The county's seed; the layout depends only on it and the count.
            address_count: How many addresses the county has (indexes 0 .. count-1).
        """
        self.address_count = address_count
        self.street_count = max(3 * len(TOWNS), address_count // _ADDRESSES_PER_STREET)
        self._multiplier = _coprime_multiplier(address_count)
        self._offset = seed % address_count
        self.max_houses = -(-address_count // self.street_count)
        rng = random.Random(f"{seed}:geography")
        self.town_centres = {town.name: wgs84_to_bng(town.lat, town.lon) for town in TOWNS}
        self.district_centres = self._district_centres()
        self.streets = self._lay_streets(rng)

    def _district_centres(self) -> dict[str, tuple[float, float]]:
        """Place each town's districts evenly around its centre (one district: at the centre)."""
        centres = {}
        for town in TOWNS:
            east, north = self.town_centres[town.name]
            count = len(town.districts)
            for i, code in enumerate(town.districts):
                angle = 2 * math.pi * i / count
                reach = 0.0 if count == 1 else town.radius_m * 0.5
                centres[code] = (east + reach * math.cos(angle), north + reach * math.sin(angle))
        return centres

    def _lay_streets(self, rng: random.Random) -> tuple[Street, ...]:
        town_cum = [0.0]
        for town in TOWNS:
            town_cum.append(town_cum[-1] + town.weight)
        names: set[tuple[str, str]] = set()
        units = _UnitBook(rng)
        streets = []
        for index in range(self.street_count):
            # Every town gets streets first, then streets follow population.
            if index < 3 * len(TOWNS):
                town = TOWNS[index % len(TOWNS)]
            else:
                town = rng.choices(TOWNS, cum_weights=town_cum[1:])[0]
            ends = self._street_ends(rng, town)
            mid = ((ends[0] + ends[2]) / 2, (ends[1] + ends[3]) / 2)
            district = min(
                town.districts, key=lambda code: _distance(self.district_centres[code], mid)
            )
            name = self._street_name(rng, town, names)
            unit_count = -(-self.max_houses // _HOUSES_PER_UNIT)
            street_units = tuple(units.unit(district) for _ in range(unit_count))
            streets.append(Street(index, name, town, district, ends, street_units))
        return tuple(streets)

    def _street_ends(self, rng: random.Random, town: Town) -> tuple[float, float, float, float]:
        east, north = self.town_centres[town.name]
        for attempt in range(20):
            spread = town.radius_m * math.sqrt(rng.random()) * (0.95**attempt)
            angle = rng.uniform(0, 2 * math.pi)
            mid_e, mid_n = east + spread * math.cos(angle), north + spread * math.sin(angle)
            half = rng.uniform(60, 300)
            heading = rng.uniform(0, math.pi)
            de, dn = half * math.cos(heading), half * math.sin(heading)
            ends = (mid_e - de, mid_n - dn, mid_e + de, mid_n + dn)
            if all(in_bbox(*bng_to_wgs84(e, n), margin=0.002) for e, n in (ends[:2], ends[2:])):
                return ends
        return (east - 50, north, east + 50, north)

    def _street_name(self, rng: random.Random, town: Town, taken: set[tuple[str, str]]) -> str:
        suffixes = [suffix for suffix, _ in _STREET_SUFFIXES]
        weights = [weight for _, weight in _STREET_SUFFIXES]
        for attempt in range(10_000):
            qualifier = "" if attempt < 8 else rng.choice(_STREET_QUALIFIERS)
            name = f"{qualifier}{rng.choice(_STREET_WORDS)} {rng.choices(suffixes, weights)[0]}"
            if (town.name, name) not in taken:
                taken.add((town.name, name))
                return name
        raise AssertionError(f"no street names left in {town.name}")

    def address(self, index: int) -> Address:
        """Return address `index` (0 .. address_count-1): street, number, postcode, grid point."""
        slot = (index * self._multiplier + self._offset) % self.address_count
        street = self.streets[slot % self.street_count]
        house = slot // self.street_count  # 0-based position along the street
        e0, n0, e1, n1 = street.ends
        # Odd numbers on one side, even on the other, both running from the first end.
        along = (house // 2 + 0.5) / (self.max_houses // 2 + 1)
        side = 10.0 if house % 2 == 0 else -10.0
        length = math.hypot(e1 - e0, n1 - n0) or 1.0
        easting = e0 + along * (e1 - e0) - side * (n1 - n0) / length
        northing = n0 + along * (n1 - n0) + side * (e1 - e0) / length
        postcode = f"{street.district} {street.units[house // _HOUSES_PER_UNIT]}"
        return Address(index, house + 1, street, postcode, round(easting), round(northing))

    @cached_property
    def district_towns(self) -> dict[str, str]:
        """Postcode district → its town's name."""
        return {code: town.name for town in TOWNS for code in town.districts}


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


class _UnitBook:
    """Hands out each district's postcode units (`2DJ`) in a shuffled order.

    A district has 4,000 possible units; when a very large county uses them all, units are
    handed out again and cover houses on two streets, as real postcode units sometimes do.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.free: dict[str, list[str]] = {}
        self.used: dict[str, list[str]] = {}

    def unit(self, district: str) -> str:
        """The next unit of `district`."""
        if district not in self.free:
            codes = [
                f"{d}{a}{b}" for d in range(10) for a in INWARD_LETTERS for b in INWARD_LETTERS
            ]
            self.rng.shuffle(codes)
            self.free[district], self.used[district] = codes, []
        if not self.free[district]:
            self.free[district] = self.used[district][::-1]
            self.used[district] = []
        code = self.free[district].pop()
        self.used[district].append(code)
        return code
